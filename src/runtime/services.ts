/**
 * The services modules offer each other, filled in module order (identity first). Each module adds
 * its own field here; a module reads only the services of modules listed before it.
 */
export interface Services {
  /** This participant's identity: its DID (set by the runtime from configuration until identity overrides it). */
  did: string;
}
