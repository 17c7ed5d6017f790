import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { codeLabel, useLang } from '../lib/i18n.ts';
import type { JsonSchema } from '../lib/types.ts';

// A form built from the JSON Schema of a calculation's inputs (as z.toJSONSchema writes it): money
// as decimal strings in yuan, whole numbers, yes/no, choices from an enum, nested objects (optional
// ones can be left out) and lists of objects (documents, months, quarters).

/** What the form holds: text for strings and numbers (as typed), booleans, objects and lists. */
export type Draft = string | boolean | DraftObject | Draft[];
export interface DraftObject {
  /** An optional object that is left out of the request. */
  $off?: boolean;
  [field: string]: Draft | boolean | undefined;
}

function typeOf(s: JsonSchema): string {
  return Array.isArray(s.type) ? (s.type.find((x) => x !== 'null') ?? 'string') : (s.type ?? (s.properties ? 'object' : 'string'));
}

/** The empty draft of a schema: defaults filled in, required lists with their minimum of items. */
export function emptyDraft(s: JsonSchema, included = true): Draft {
  const type = typeOf(s);
  if (type === 'object') {
    const o: DraftObject = included ? {} : { $off: true };
    const required = new Set(s.required ?? []);
    for (const [k, child] of Object.entries(s.properties ?? {})) {
      const ct = typeOf(child);
      o[k] = emptyDraft(child, ct !== 'object' || required.has(k));
    }
    return o;
  }
  if (type === 'array') {
    const n = Math.max(s.minItems ?? 0, 1);
    return Array.from({ length: n }, () => emptyDraft(s.items ?? {}));
  }
  if (type === 'boolean') return s.default === true;
  if (s.default !== undefined && s.default !== null) return String(s.default);
  return '';
}

/** The draft of a JSON value (the calculation's example), with the fields it leaves out empty. */
export function draftOf(s: JsonSchema, value: unknown): Draft {
  const type = typeOf(s);
  if (type === 'object') {
    const v = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const o: DraftObject = {};
    const required = new Set(s.required ?? []);
    for (const [k, child] of Object.entries(s.properties ?? {})) {
      o[k] = k in v ? draftOf(child, v[k]) : emptyDraft(child, typeOf(child) !== 'object' || required.has(k));
    }
    return o;
  }
  if (type === 'array') return Array.isArray(value) ? value.map((item) => draftOf(s.items ?? {}, item)) : emptyDraft(s);
  if (type === 'boolean') return value === true;
  return value === undefined || value === null ? '' : String(value);
}

/** The request's JSON of a draft: blank optional fields are left out, so the calculation's defaults apply. */
export function toJson(s: JsonSchema, d: Draft): unknown {
  const type = typeOf(s);
  if (type === 'object') {
    const o = d as DraftObject;
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(s.properties ?? {})) {
      const v = o[k];
      if (v === undefined) continue;
      if (typeOf(child) === 'object' && (v as DraftObject).$off) continue;
      const j = toJson(child, v as Draft);
      if (j !== undefined) out[k] = j;
    }
    return out;
  }
  if (type === 'array') return (d as Draft[]).map((item) => toJson(s.items ?? {}, item));
  if (type === 'boolean') return d === true;
  const text = String(d).trim();
  if (text === '') return undefined;
  if (type === 'integer' || type === 'number') {
    const n = Number(text);
    // a value that is not a number is sent as typed, so the API names the field and the problem
    return Number.isFinite(n) ? n : text;
  }
  return text;
}

/** "taxableIncomeBeforeRnd" → "Taxable income before rnd", when the resource files do not name a field. */
function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function fieldLabel(name: string): string {
  const label = codeLabel('calcInput', name);
  return label === name ? humanize(name) : label;
}

interface FieldProps {
  name: string;
  path: string;
  schema: JsonSchema;
  value: Draft;
  required: boolean;
  onChange: (v: Draft) => void;
  /** The path of the field the API refused (`months.0.wage`), and its message. */
  error: { path: string; message: string } | undefined;
}

export function SchemaFields({
  schema,
  value,
  onChange,
  path,
  error,
}: {
  schema: JsonSchema;
  value: DraftObject;
  onChange: (v: DraftObject) => void;
  path: string;
  error: FieldProps['error'];
}) {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  const leaves = entries.filter(([, s]) => typeOf(s) !== 'object' && typeOf(s) !== 'array');
  const groups = entries.filter(([, s]) => typeOf(s) === 'object' || typeOf(s) === 'array');
  const field = ([k, s]: [string, JsonSchema]) => (
    <SchemaField
      key={k}
      name={k}
      path={path ? `${path}.${k}` : k}
      schema={s}
      value={value[k] as Draft}
      required={required.has(k)}
      onChange={(v) => onChange({ ...value, [k]: v })}
      error={error}
    />
  );
  return (
    <>
      {leaves.length ? <div className="form-grid">{leaves.map(field)}</div> : null}
      {groups.map(field)}
    </>
  );
}

function SchemaField({ name, path, schema, value, required, onChange, error }: FieldProps) {
  const { t } = useTranslation();
  const type = typeOf(schema);
  const label = fieldLabel(name);
  const own = error && error.path === path ? error.message : undefined;
  // The inputs are described in English (by the calculations' code): shown under the field in
  // English, a tooltip on the label in Chinese.
  const lang = useLang();
  const help = lang === 'en' ? schema.description : undefined;
  const tip = lang === 'en' ? undefined : schema.description;

  if (type === 'object') {
    const o = value as DraftObject;
    const off = o.$off === true;
    return (
      <fieldset className={`form-group${off ? ' is-off' : ''}`} data-field={path}>
        <legend title={tip}>
          {required ? (
            label
          ) : (
            <label className="check">
              <input type="checkbox" checked={!off} onChange={(e) => onChange({ ...o, $off: !e.target.checked })} />
              {label}
            </label>
          )}
        </legend>
        {help ? <p className="field-help">{help}</p> : null}
        {own ? <p className="field-error">{own}</p> : null}
        {off ? null : <SchemaFields schema={schema} value={o} onChange={onChange} path={path} error={error} />}
      </fieldset>
    );
  }

  if (type === 'array') {
    const items = value as Draft[];
    const itemSchema = schema.items ?? {};
    const max = schema.maxItems ?? Number.POSITIVE_INFINITY;
    const min = schema.minItems ?? 0;
    return (
      <fieldset className="form-group" data-field={path}>
        <legend title={tip}>
          {label}
          {required ? <span className="req">*</span> : null}
        </legend>
        {help ? <p className="field-help">{help}</p> : null}
        {own ? <p className="field-error">{own}</p> : null}
        <ol className="form-items">
          {items.map((item, i) => (
            // list items have no identity but their place, which is also the path the API names
            <li key={i} className="form-item">
              <div className="form-item-head">
                <span>{t('calc.item', { n: i + 1 })}</span>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  disabled={items.length <= Math.max(min, required ? 1 : 0)}
                  onClick={() => onChange(items.filter((_, j) => j !== i))}
                >
                  {t('calc.removeItem')}
                </button>
              </div>
              {typeOf(itemSchema) === 'object' ? (
                <SchemaFields
                  schema={itemSchema}
                  value={item as DraftObject}
                  onChange={(v) => onChange(items.map((x, j) => (j === i ? v : x)))}
                  path={`${path}.${i}`}
                  error={error}
                />
              ) : (
                <SchemaField
                  name={name}
                  path={`${path}.${i}`}
                  schema={itemSchema}
                  value={item}
                  required
                  onChange={(v) => onChange(items.map((x, j) => (j === i ? v : x)))}
                  error={error}
                />
              )}
            </li>
          ))}
        </ol>
        <button type="button" className="btn btn-small" disabled={items.length >= max} onClick={() => onChange([...items, emptyDraft(itemSchema)])}>
          {t('calc.addItem', { name: label })}
        </button>
      </fieldset>
    );
  }

  const id = `f-${path.replace(/\./g, '-')}`;
  const common = { id, name: path, 'aria-invalid': own ? true : undefined, 'data-testid': `calc-input-${path}` } as const;
  let control: ReactNode;
  if (type === 'boolean') {
    return (
      <div className={`field field-check${own ? ' has-error' : ''}`} data-field={path}>
        <label className="check" htmlFor={id} title={tip}>
          <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          {label}
          {tip ? <Info /> : null}
        </label>
        {help ? <span className="field-help">{help}</span> : null}
        {own ? <span className="field-error">{own}</span> : null}
      </div>
    );
  }
  if (schema.enum) {
    control = (
      <select {...common} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {!required && schema.default === undefined ? <option value="">{t('calc.notGiven')}</option> : null}
        {required && value === '' ? (
          <option value="" disabled>
            {t('calc.choose')}
          </option>
        ) : null}
        {schema.enum.map((v) => (
          <option key={String(v)} value={String(v)}>
            {codeLabel('calcEnum', String(v))}
          </option>
        ))}
      </select>
    );
  } else if (type === 'integer' || type === 'number') {
    control = (
      <input
        {...common}
        type="number"
        inputMode="numeric"
        step={type === 'integer' ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else {
    const money = schema.format === 'yuan';
    control = (
      <span className={money ? 'input-affix' : undefined}>
        <input
          {...common}
          type="text"
          inputMode={money ? 'decimal' : undefined}
          placeholder={money ? '0.00' : schema.pattern ? t('calc.patternHint') : undefined}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          className={money ? 'money' : undefined}
        />
        {money ? <span className="affix">{t('common.yuan')}</span> : null}
      </span>
    );
  }
  return (
    <div className={`field${own ? ' has-error' : ''}`} data-field={path}>
      <label htmlFor={id} className="field-label" title={tip}>
        {label}
        {required ? <span className="req">*</span> : null}
        {tip ? <Info /> : null}
      </label>
      {control}
      {help ? <span className="field-help">{help}</span> : null}
      {own ? <span className="field-error">{own}</span> : null}
    </div>
  );
}

/** Marks a label whose description is in its tooltip. */
function Info() {
  return (
    <span className="info" aria-hidden="true">
      ⓘ
    </span>
  );
}
