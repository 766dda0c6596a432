import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Lab } from './lab';
import { requireProgram, Running } from './tooling';
import { K8sObject } from '../harness/synth';

/**
 * A stand-in for the Kubernetes API as far as the provisioning Jobs use it (Secrets get, create
 * and update), for the real-program checks of the Jobs that write consumers' Secrets (Consul's
 * bootstrap, Pulsar's tokens). It serves HTTPS on 443 with the certificate of `certificates()`,
 * accepts only the given bearer token (the Job's ServiceAccount token), and allows exactly what
 * the synthesized Roles allow: `create` in a namespace, `get`/`update` on the Role's resourceNames.
 * Its state is a JSON file the test reads and changes between runs.
 */
export interface KubeState {
  secrets: { [nsName: string]: { metadata: any; type: string; data: { [k: string]: string } } };
}

/** Secrets on the Kubernetes API, for one bearer token, as the given Roles allow. */
export function kubeStub(stateFile: string, roles: K8sObject[], cert: string, key: string, bearer: string): string {
  const rules = roles.map((r) => ({ namespace: r.metadata.namespace, rules: r.rules }));
  return `
const https = require('https');
const fs = require('fs');
const roles = ${JSON.stringify(rules)};
const load = () => JSON.parse(fs.readFileSync(${JSON.stringify(stateFile)}, 'utf8'));
const save = (s) => fs.writeFileSync(${JSON.stringify(stateFile)}, JSON.stringify(s, null, 2));
const allowed = (ns, verb, name) => roles.some((r) => r.namespace === ns && r.rules.some((rule) =>
  rule.apiGroups.includes('') && rule.resources.includes('secrets') && rule.verbs.includes(verb)
  && (!rule.resourceNames || (name !== undefined && rule.resourceNames.includes(name)))));
const status = (code, reason, message) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
https.createServer({ cert: fs.readFileSync(${JSON.stringify(cert)}), key: fs.readFileSync(${JSON.stringify(key)}) }, (req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const reply = (code, v) => { res.statusCode = code; res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(v)); };
    if (req.headers.authorization !== ${JSON.stringify(`Bearer ${bearer}`)}) return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\\/api\\/v1\\/namespaces\\/([^/]+)\\/secrets(?:\\/([^/]+))?$/.exec(new URL(req.url, 'https://x').pathname);
    if (!m) return reply(404, status(404, 'NotFound', 'not served by the stand-in'));
    const [, ns, name] = m;
    const verb = req.method === 'GET' ? 'get' : req.method === 'POST' ? 'create' : req.method === 'PUT' ? 'update' : req.method.toLowerCase();
    if (!allowed(ns, verb, name)) return reply(403, status(403, 'Forbidden', 'secrets "' + (name || '') + '" is forbidden: cannot ' + verb + ' in ' + ns));
    const s = load();
    const toStored = (o) => ({ metadata: o.metadata, type: o.type, data: Object.assign({}, o.data,
      Object.fromEntries(Object.entries(o.stringData || {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))) });
    if (verb === 'get') {
      const x = s.secrets[ns + '/' + name];
      return x ? reply(200, Object.assign({ apiVersion: 'v1', kind: 'Secret' }, x)) : reply(404, status(404, 'NotFound', 'secrets "' + name + '" not found'));
    }
    const o = JSON.parse(body);
    if (o.metadata.namespace !== ns || (name && o.metadata.name !== name)) return reply(400, status(400, 'BadRequest', 'the namespace or name of the body does not match'));
    const id = ns + '/' + o.metadata.name;
    if (verb === 'create') {
      if (s.secrets[id]) return reply(409, status(409, 'AlreadyExists', 'secrets "' + o.metadata.name + '" already exists'));
      s.secrets[id] = toStored(o); save(s); return reply(201, s.secrets[id]);
    }
    if (verb === 'update') {
      if (!s.secrets[id]) return reply(404, status(404, 'NotFound', 'secrets "' + name + '" not found'));
      s.secrets[id] = toStored(o); save(s); return reply(200, s.secrets[id]);
    }
    reply(405, status(405, 'MethodNotAllowed', req.method));
  });
}).listen(443, '0.0.0.0');
`;
}

export function certificates(dir: string, name: string, host: string, ...moreHosts: string[]): { ca: string; cert: string; key: string } {
  const openssl = requireProgram(['openssl'], 'openssl');
  const f = (x: string) => path.join(dir, `${name}-${x}`);
  execFileSync(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name} CA`,
    '-keyout', f('ca.key'), '-out', f('ca.crt')], { stdio: 'ignore' });
  execFileSync(openssl, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${host}`,
    '-keyout', f('tls.key'), '-out', f('tls.csr')], { stdio: 'ignore' });
  fs.writeFileSync(f('ext'), `subjectAltName=${[host, ...moreHosts].map((h) => `DNS:${h}`).join(',')}\n`);
  execFileSync(openssl, ['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2',
    '-extfile', f('ext'), '-out', f('tls.crt')], { stdio: 'ignore' });
  return { ca: f('ca.crt'), cert: f('tls.crt'), key: f('tls.key') };
}


/** Runs a stand-in (a Node program written to `file`) in the network namespace of the lab's pod `pod`. */
export function startNodeServer(lab: Lab, pod: string, file: string, program: string): Running {
  fs.writeFileSync(file, program);
  const child = spawn('ip', ['netns', 'exec', lab.pods.get(pod)!.namespace, process.execPath, file], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { process: child, output: () => '', stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL'); }) };
}
