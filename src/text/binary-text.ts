/**
 * Whether decoded text is really binary data (an image or archive served as a page or saved
 * under a text name): control characters or U+FFFD all over its first kilobyte.
 */
export function looksBinary(text: string): boolean {
  const head = text.slice(0, 1024);
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c === 0 || (c < 32 && c !== 9 && c !== 10 && c !== 12 && c !== 13) || c === 0xfffd) control++;
  }
  return control > 8 && control > head.length / 50;
}
