import { describe, expect, it } from 'vitest';
import { Fragment, h, keptParts, type Children } from '../../src/http/jsx.js';
import type { PageContext } from '../../src/http/context.js';
import { SiteHeader } from '../../src/http/views/layout.js';
import { translator } from '../../src/i18n/index.js';

/**
 * The portal's JSX (decision 021): every page is built by it, so what a visitor typed must come
 * out as text, never as markup, and the attributes must be the HTML the browser and the tests
 * read (the rules Preact's renderer had, which every page kept byte for byte).
 */

const hostile = `<script>alert("x")</script> & 'ä'`;

describe('escaping', () => {
  it('writes text as text: <, & and " become entities, in content and in attribute values', () => {
    expect((<p title={hostile}>{hostile}</p>).value).toBe(
      `<p title="&lt;script>alert(&quot;x&quot;)&lt;/script> &amp; 'ä'">&lt;script>alert(&quot;x&quot;)&lt;/script> &amp; 'ä'</p>`,
    );
  });

  it('escapes a string a component returns, but not the HTML of nested elements and components (no double escaping)', () => {
    const Plain = ({ text }: { text: string }) => text;
    const Bold = ({ children }: { children: Children }) => <b>{children}</b>;
    expect((<div><Plain text="a<b" /><Bold>{'x &amp; '}<i>y</i></Bold></div>).value).toBe('<div>a&lt;b<b>x &amp;amp; <i>y</i></b></div>');
  });

  it('refuses to write an object it does not know instead of printing it', () => {
    const object = { value: '<b>not html</b>' } as unknown as Children;
    expect(() => <p>{object}</p>).toThrow(/cannot render/);
  });
});

describe('attributes', () => {
  it('writes true as a bare attribute and leaves out false, null and undefined', () => {
    expect((<input type="checkbox" checked={true} disabled={false} required={undefined} value={null as unknown as string} />).value).toBe(
      '<input type="checkbox" checked/>',
    );
  });

  it('writes aria-* and data-* booleans as "true"/"false", as screen readers need them', () => {
    expect((<span aria-hidden={true} aria-expanded={false} data-open={true} />).value).toBe('<span aria-hidden="true" aria-expanded="false" data-open="true"></span>');
  });

  it('writes React-cased names as HTML does (maxLength, tabIndex, className, htmlFor) and ignores key', () => {
    expect((<label htmlFor="a" className="c" key="k"><input id="a" maxLength={20} tabIndex={-1} autoComplete="off" /></label>).value).toBe(
      '<label for="a" class="c"><input id="a" maxlength="20" tabindex="-1" autocomplete="off"/></label>',
    );
  });

  it("writes a textarea's value as its (escaped) text, so a re-rendered form keeps what was typed", () => {
    expect((<textarea name="body" value={hostile} />).value).toBe(`<textarea name="body">&lt;script>alert(&quot;x&quot;)&lt;/script> &amp; 'ä'</textarea>`);
  });
});

describe('children', () => {
  it('writes numbers (0 too), lists and fragments, and nothing for null, undefined and booleans', () => {
    const items = ['a', 'b'];
    expect(
      (
        <ul>
          {0}
          {items.map((item) => <li key={item}>{item}</li>)}
          {null}
          {undefined}
          {false}
          {true}
          <>
            <li>c</li>
            {[['d', 1n]]}
          </>
        </ul>
      ).value,
    ).toBe('<ul>0<li>a</li><li>b</li><li>c</li>d1</ul>');
  });

  it('gives a component its children, one or many, and its props unchanged', () => {
    const Box = ({ label, children }: { label: string; children?: Children }) => (
      <section aria-label={label}>{children}</section>
    );
    expect((<Box label="one"><p>1</p></Box>).value).toBe('<section aria-label="one"><p>1</p></section>');
    expect((<Box label="two"><p>1</p>{'2'}</Box>).value).toBe('<section aria-label="two"><p>1</p>2</section>');
    expect((<Box label="none" />).value).toBe('<section aria-label="none"></section>');
  });

  it('closes void elements itself and every other element with its end tag', () => {
    expect((<p><br /><img src="/a.png" alt="" /><span /></p>).value).toBe('<p><br/><img src="/a.png" alt/><span></span></p>');
  });
});

describe('kept parts', () => {
  it('draws a part once per key and puts each text in, escaped, where the drawing put the slot', () => {
    const kept = keptParts(10);
    let draws = 0;
    const draw = (slot: string) => {
      draws += 1;
      return <form><input name="_csrf" value={slot} /><p title={slot}>{slot}</p></form>;
    };
    const first = kept('k', 'token-1', draw).value;
    const second = kept('k', hostile, draw).value;
    expect(draws).toBe(1);
    expect(first).toBe((<form><input name="_csrf" value="token-1" /><p title="token-1">token-1</p></form>).value);
    expect(second).toBe((<form><input name="_csrf" value={hostile} /><p title={hostile}>{hostile}</p></form>).value);
    kept('other', 'token-1', draw);
    expect(draws).toBe(2);
  });

  it('keeps site headers apart by everything they show: language, path, sign-in, unread count, roles', () => {
    const ctx = (over: Partial<PageContext>): PageContext =>
      ({ locale: 'et', t: translator('et'), actor: undefined, csrfToken: 'tok', currentPath: '/experts', unreadCount: 0, isSentEmailOpen: false, ...over }) as PageContext;
    const actor = { id: 1, name: 'A', email: 'a@example.ee', locale: 'et' as const, roles: [] };
    const drawn = (over: Partial<PageContext>) => SiteHeader({ ctx: ctx(over) }).value;
    const variants = [
      drawn({}),
      drawn({ locale: 'en', t: translator('en') }),
      drawn({ currentPath: '/experts?field=2' }),
      drawn({ actor }),
      drawn({ actor, unreadCount: 3 }),
      drawn({ actor: { ...actor, roles: ['moderator'] } }),
      drawn({ actor: { ...actor, roles: ['admin'] } }),
      drawn({ isSentEmailOpen: true }),
    ];
    expect(new Set(variants).size).toBe(variants.length);
    expect(variants[4]).toContain('data-unread-count="3"');
    expect(drawn({ csrfToken: 'other-token' })).toBe(variants[0]!.replaceAll('tok', 'other-token'));
  });
});
