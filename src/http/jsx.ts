/**
 * The portal's JSX: every element becomes its HTML at once (decision 021).
 *
 * The views are plain functions of their props (no state, no hooks, no context), so a page needs
 * no virtual DOM: `h('p', props, ...children)` returns the finished `<p …>…</p>` as `Html`, and a
 * component is simply called. Text and attribute values are escaped as Preact's renderer escaped
 * them (`&`, `<`, `"`); `Html` is the one thing put into a page unescaped, and only this module
 * makes it. The attribute rules are the ones the views use: `class`/`for` (and the React names
 * `className`/`htmlFor`), `true` as a bare attribute (as a string for `aria-*` and `data-*`),
 * `false`/`null`/`undefined` left out, React-cased names such as `maxLength` in lower case, a
 * `<textarea>`'s `value` as its text, `key` ignored.
 */
import type { JSX as PreactJSX } from 'preact';
import { randomToken } from '../adapters/tokens.js';
import { keptAnswers } from '../memo.js';

/**
 * Finished HTML: what an element or a component gives, inserted into a page as it is. Only this
 * module can make one (the class is not exported), so no other code can put unescaped text into
 * a page: there is no `dangerouslySetInnerHTML`.
 */
class RenderedHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}
export type Html = RenderedHtml;

/** What may stand inside an element: text (escaped), numbers, HTML, lists of these; `null`, `undefined` and booleans render nothing. */
export type Children = Html | string | number | bigint | boolean | null | undefined | readonly Children[];

type Props = Record<string, unknown> & { children?: Children };
type Component<P> = (props: P) => Children;

const needsEscape = /["&<]/;

/** Escapes text for an element's content or a quoted attribute value. */
function escapeHtml(text: string): string {
  if (!needsEscape.test(text)) return text;
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const entity = code === 34 ? '&quot;' : code === 38 ? '&amp;' : code === 60 ? '&lt;' : undefined;
    if (entity === undefined) continue;
    out += text.slice(last, i) + entity;
    last = i + 1;
  }
  return out + text.slice(last);
}

function appendChild(out: string, child: Children): string {
  if (typeof child === 'string') return out + escapeHtml(child);
  if (child instanceof RenderedHtml) return out + child.value;
  if (child === null || child === undefined || typeof child === 'boolean') return out;
  if (typeof child === 'number' || typeof child === 'bigint') return out + String(child);
  if (Array.isArray(child)) {
    for (const item of child as readonly Children[]) out = appendChild(out, item);
    return out;
  }
  throw new TypeError(`JSX: cannot render a child of type ${typeof child}`);
}

/** Children as one piece of HTML. */
function renderChildren(children: Children): Html {
  return new RenderedHtml(appendChild('', children));
}

const voidElements = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** React-cased attribute names HTML writes in lower case (maxLength → maxlength), as Preact's renderer lowered them. */
const lowerCased = /^(?:accessK|auto[A-Z]|cell|ch|col|cont|cross|dateT|encT|form[A-Z]|frame|hrefL|inputM|maxL|minL|noV|playsI|popoverT|readO|rowS|src[A-Z]|tabI|useM|item[A-Z])/;
const attributeNames = new Map<string, string>();

function attributeName(prop: string): string {
  let name = attributeNames.get(prop);
  if (name === undefined) {
    name = prop === 'className' ? 'class' : prop === 'htmlFor' ? 'for' : lowerCased.test(prop) ? prop.toLowerCase() : prop;
    attributeNames.set(prop, name);
  }
  return name;
}

function openTag(tag: string, props: Props | null): string {
  let html = '<' + tag;
  for (const prop in props) {
    let value = props[prop];
    if (prop === 'children' || prop === 'key' || value === null || value === undefined || typeof value === 'function') continue;
    if (prop === 'value' && tag === 'textarea') continue;
    const name = attributeName(prop);
    // aria-* and data-* say "true"/"false"; other attributes are present or absent.
    if (typeof value === 'boolean' && name[4] === '-') value = String(value);
    if (value === false) continue;
    html += value === true || value === '' ? ' ' + name : ' ' + name + '="' + escapeHtml(String(value)) + '"';
  }
  return html;
}

/** The JSX factory (tsconfig `jsxFactory`): an element's HTML, or a component's result. */
export function h(type: string | Component<Props>, props: Props | null, ...children: Children[]): Html {
  if (typeof type === 'function') {
    const componentProps = children.length === 0 ? (props ?? {}) : { ...props, children: children.length === 1 ? children[0] : children };
    const result = type(componentProps);
    return result instanceof RenderedHtml ? result : renderChildren(result);
  }
  let html = openTag(type, props);
  if (voidElements.has(type)) return new RenderedHtml(html + '/>');
  html += '>';
  if (type === 'textarea' && props?.value !== undefined && props.value !== null) html = appendChild(html, props.value as Children);
  else html = appendChild(html, children.length === 0 ? props?.children : children);
  return new RenderedHtml(html + '</' + type + '>');
}

/**
 * Parts of pages kept once drawn, for a part every page draws again and again from a few inputs
 * but one text of its own per visitor (the site header and its CSRF token): `kept(key, text,
 * draw)` draws `draw(slot)` once per `key`, with a placeholder in the text's places, and then
 * gives the kept HTML with `text` (escaped) in them. `key` must name every input of `draw` but
 * the text. At most `maxEntries` are kept, as `keptAnswers` keeps them.
 */
export function keptParts(maxEntries: number): (key: string, text: string, draw: (slot: string) => Html) => Html {
  // Letters, digits, '-' and '_': no escaping changes it, and no page holds it by chance.
  const slot = `slot-${randomToken(18)}`;
  const kept = keptAnswers<string, string[]>(maxEntries);
  return (key, text, draw) => new RenderedHtml(kept(key, () => draw(slot).value.split(slot)).join(escapeHtml(text)));
}

/** `<>…</>` (tsconfig `jsxFragmentFactory`). */
export function Fragment(props: { children?: Children }): Html {
  return renderChildren(props.children);
}

// The JSX types TypeScript checks the views against: Preact's HTML and SVG attribute types, with `Html` as what an element is.
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace h {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    type Element = Html;
    type ElementType = string | Component<never>;
    type ElementChildrenAttribute = { children: unknown };
    type IntrinsicAttributes = { key?: string | number };
    type IntrinsicElements = PreactJSX.IntrinsicElements;
  }
}
