/**
 * Lazily imported CommonJS packages (undici, the AWS SDK clients): bundled into a split chunk, their
 * dynamic import yields the exports only as `default` (module.exports), as Node's own import of
 * CommonJS would; run unbundled, Node also names them. This returns the exports either way.
 */
export function commonJsExports<T extends object>(module: T, name: keyof T): T {
  if ((module as Record<PropertyKey, unknown>)[name] !== undefined) return module;
  return (module as { default?: T }).default ?? module;
}
