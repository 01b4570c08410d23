// A small XML reader for metrics-api's `format: xml`: elements become maps (a repeated child
// becomes a list), an element holding only text becomes that text; attributes, comments,
// processing instructions and the doctype are skipped; CDATA and the five predefined entities (and
// numeric ones) are text. The root element is the first key, so `<stats><queue><depth>7</depth>…`
// is read with `stats.queue.depth`. Pure; throws FormatError on malformed input.
import { FormatError } from './format-error.js';

type Node = string | { [name: string]: Node | Node[] };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function text(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    const named = ENTITIES[e];
    if (named === undefined) throw new FormatError('SCALER_INVALID_RESPONSE', `the answer is not XML: unknown entity ${m}`);
    return named;
  });
}

const bad = (why: string) => new FormatError('SCALER_INVALID_RESPONSE', `the answer is not XML: ${why}`);
const NAME = /^[A-Za-z_:][\w.:-]*/;

export function xmlDocument(body: string): Record<string, Node> {
  let i = 0;
  const skipMisc = () => {
    for (;;) {
      while (i < body.length && /\s/.test(body[i])) i++;
      if (body.startsWith('<?', i)) i = end('?>');
      else if (body.startsWith('<!--', i)) i = end('-->');
      else if (body.startsWith('<!DOCTYPE', i)) i = end('>');
      else return;
    }
  };
  const end = (token: string) => {
    const at = body.indexOf(token, i);
    if (at < 0) throw bad(`'${token}' expected`);
    return at + token.length;
  };
  const element = (depth: number): [string, Node] => {
    if (depth > 128) throw bad('elements nested deeper than 128 levels');
    if (body[i] !== '<') throw bad(`'<' expected at offset ${i}`);
    const name = NAME.exec(body.slice(i + 1, i + 256))?.[0];
    if (!name) throw bad(`an element name expected at offset ${i + 1}`);
    const close = body.indexOf('>', i);
    if (close < 0) throw bad(`'>' expected after <${name}`);
    const selfClosing = body[close - 1] === '/';
    i = close + 1;
    if (selfClosing) return [name, ''];
    const children: Record<string, Node | Node[]> = {};
    let content = '';
    let hasChildren = false;
    for (;;) {
      if (i >= body.length) throw bad(`</${name}> expected`);
      if (body.startsWith('</', i)) {
        const closing = NAME.exec(body.slice(i + 2, i + 258))?.[0];
        if (closing !== name) throw bad(`</${name}> expected, found </${closing ?? ''}>`);
        i = end('>');
        return [name, hasChildren ? children : content];
      }
      if (body.startsWith('<![CDATA[', i)) {
        const at = body.indexOf(']]>', i);
        if (at < 0) throw bad(`']]>' expected`);
        content += body.slice(i + 9, at);
        i = at + 3;
      } else if (body.startsWith('<!--', i) || body.startsWith('<?', i)) i = end(body.startsWith('<!--', i) ? '-->' : '?>');
      else if (body[i] === '<') {
        const [child, value] = element(depth + 1);
        hasChildren = true;
        const was = children[child];
        children[child] = was === undefined ? value : Array.isArray(was) ? [...was, value] : [was, value];
      } else {
        const next = body.indexOf('<', i);
        const chunk = body.slice(i, next < 0 ? body.length : next);
        content += text(chunk);
        i += chunk.length;
      }
    }
  };
  skipMisc();
  if (i >= body.length) throw bad('no root element');
  const [root, value] = element(0);
  skipMisc();
  if (i < body.length) throw bad(`text after the root element </${root}>`);
  return { [root]: typeof value === 'string' ? value.trim() : value };
}
