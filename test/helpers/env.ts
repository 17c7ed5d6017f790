/** Remembers the named environment variables as they are; the function returned puts them back (unset ones unset). */
export function savedEnv(...names: string[]): () => void {
  const given = names.map((name) => [name, process.env[name]] as const);
  return () => {
    for (const [name, value] of given) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
