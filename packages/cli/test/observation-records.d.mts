/** Fields of an observation record, as JSON holds them. */
export type RecordFields = Record<string, unknown>;

/** Epoch milliseconds the records start from. */
export declare const T0: number;

/** A server record (the schema's fields), with `overrides` applied. */
export declare function serverRecord(overrides?: RecordFields): RecordFields;

/** A client record, with `overrides` applied. */
export declare function clientRecord(overrides?: RecordFields): RecordFields;
