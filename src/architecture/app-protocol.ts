/** The application protocol of a port: sets Service `appProtocol` (read by meshes and gateways) and the default probe. */
export enum AppProtocol {
  /** HTTP/1.1 (and h2c upgrade). */
  HTTP = 'http',
  /** HTTP/2 without TLS (h2c prior knowledge). */
  HTTP2 = 'http2',
  /** gRPC over HTTP/2. */
  GRPC = 'grpc',
  /** Opaque TCP. */
  TCP = 'tcp',
}
