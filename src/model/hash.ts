/** FNV-1a, 32 bits: a stable, cheap hash of text. Pass the previous result as `from` to hash several texts as one. */
export function fnv1a(text: string, from = 0x811c9dc5): number {
  let h = from;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
