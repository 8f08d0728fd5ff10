// supervisorctl/RPC names: "name", "group:name", "group:*" or "group:".

export interface Namespec {
  group: string;
  /** null = the whole group */
  process: string | null;
}

/** 4.2.5's split_namespec: "name" means group "name" and process "name". */
export function splitNamespec(namespec: string): Namespec {
  const colon = namespec.indexOf(':');
  if (colon === -1) return { group: namespec, process: namespec };
  const group = namespec.slice(0, colon);
  const process = namespec.slice(colon + 1);
  return { group, process: process === '' || process === '*' ? null : process };
}
