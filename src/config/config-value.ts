import { SecretKeyReference } from '../architecture/binding';

/** The type of a configuration value. */
export enum ConfigValueType {
  /** A string. */
  STRING = 'string',
  /** A number (rendered in JavaScript's shortest round-trip form). */
  NUMBER = 'number',
  /** true or false. */
  BOOLEAN = 'boolean',
  /** A JSON document (rendered with sorted keys, so equal documents render equally). */
  JSON = 'json',
  /** A credential: a reference to a key of a Secret, never a value. */
  SECRET = 'secret',
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  const s = JSON.stringify(v);
  if (s === undefined) throw new Error(`value ${String(v)} cannot be rendered as JSON`);
  return s;
}

/**
 * A typed configuration value. Plain values are rendered into ConfigMaps (or the engine's
 * store); credentials are Secret references and never appear in the manifests.
 */
export class ConfigValue {
  /** A string value. */
  public static string(value: string): ConfigValue {
    return new ConfigValue(ConfigValueType.STRING, value);
  }

  /** A number value. */
  public static number(value: number): ConfigValue {
    return Number.isFinite(value)
      ? new ConfigValue(ConfigValueType.NUMBER, String(value))
      : new ConfigValue(ConfigValueType.NUMBER, undefined, undefined, `number ${value} is not finite`);
  }

  /** A boolean value (named `bool`: Java would have to call a method named `boolean` `doBoolean`). */
  public static bool(value: boolean): ConfigValue {
    return new ConfigValue(ConfigValueType.BOOLEAN, value ? 'true' : 'false');
  }

  /** A JSON document. */
  public static json(value: any): ConfigValue {
    try {
      return new ConfigValue(ConfigValueType.JSON, canonicalJson(value));
    } catch (e) {
      return new ConfigValue(ConfigValueType.JSON, undefined, undefined, (e as Error).message);
    }
  }

  /** A credential, read from a key of a Secret in the consumer's namespace (managed outside these manifests). */
  public static secret(ref: SecretKeyReference): ConfigValue {
    return new ConfigValue(ConfigValueType.SECRET, undefined, ref);
  }

  private constructor(
    /** The value's type. */
    public readonly type: ConfigValueType,
    /** The rendered value (undefined for secrets). */
    public readonly rendered?: string,
    /** The Secret reference (secrets only). */
    public readonly secretRef?: SecretKeyReference,
    /** Why the value cannot be rendered, if it cannot. @internal */
    public readonly _problem?: string,
  ) {}

  /** True for credentials. */
  public get isSecret(): boolean {
    return this.type === ConfigValueType.SECRET;
  }
}
