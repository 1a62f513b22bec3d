import { FILE_ONLY_SETTINGS, SECRET_SETTINGS } from '../config/charger-settings.js';
import { chargerOverride } from '../config/config.js';
import { toJsonSchema } from '../util/schema-json.js';

/**
 * The OpenAPI 3 description of the admin port's fleet administration (GET /api/openapi.json). Each part of the API
 * adds its paths with addOpenApiPaths, so that a new endpoint is described next to where it is mounted.
 */

type PathItem = Record<string, unknown>;

const paths: Record<string, PathItem> = {};
const schemas: Record<string, unknown> = {};

/** Adds paths (and component schemas) to the document. */
export function addOpenApiPaths(more: Record<string, PathItem>, moreSchemas: Record<string, unknown> = {}): void {
  Object.assign(paths, more);
  Object.assign(schemas, moreSchemas);
}

export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'OCPP SOAP gateway: fleet administration',
      version: '1',
      description:
        "Charger settings at run time, bulk import and export, the audit trail. Writes need the admin token (Bearer) or a dashboard session, and come from scripts or the admin port's own pages.",
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas,
    },
    security: [{ bearer: [] }],
    paths,
  };
}

/** The settings schema as JSON Schema, from the one schema the configuration file uses; secrets write-only. */
function settingsSchema(): unknown {
  const schema = toJsonSchema(chargerOverride.omit(FILE_ONLY_SETTINGS)) as {
    properties: Record<string, Record<string, unknown>>;
  };
  for (const key of SECRET_SETTINGS) schema.properties[key] = { ...schema.properties[key], writeOnly: true };
  return schema;
}

const json = (schema: unknown) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ok = (schema: unknown, description = 'done') => ({ description, content: json(schema) });
const problems = {
  description: 'refused: the problems name the field (and the line or row of an import); nothing is stored',
  content: json(ref('Problems')),
};
const identityParam = { name: 'identity', in: 'path', required: true, schema: { type: 'string' } };

addOpenApiPaths(
  {
    '/api/chargers/settings': {
      get: {
        summary: 'Every charger with settings, filtered and paged',
        parameters: ['q', 'origin', 'retired', 'offset', 'limit'].map((name) => ({
          name,
          in: 'query',
          schema: { type: 'string' },
        })),
        responses: { 200: { description: 'a page of chargers', content: json({ type: 'object' }) } },
      },
    },
    '/api/chargers/{identity}/settings': {
      parameters: [identityParam],
      get: {
        summary: "One charger's settings",
        responses: {
          200: ok(ref('SettingsView'), "the charger's settings"),
          404: { description: 'no settings for this identity' },
        },
      },
      put: {
        summary: "Replaces the charger's settings (secrets left out are kept; null clears one)",
        requestBody: { content: json(ref('ChargerSettings')) },
        responses: { 200: ok(ref('SettingsView'), "the charger's settings"), 400: problems, 409: problems },
      },
      patch: {
        summary: 'Changes the settings given (null removes one)',
        requestBody: { content: json(ref('ChargerSettings')) },
        responses: { 200: ok(ref('SettingsView'), "the charger's settings"), 400: problems, 409: problems },
      },
      delete: {
        summary: 'Retires the charger: its messages are refused, its stored ones still delivered',
        parameters: [{ name: 'reason', in: 'query', schema: { type: 'string' } }],
        responses: { 200: ok(ref('SettingsView'), "the charger's settings"), 404: problems },
      },
    },
    '/api/chargers/import': {
      post: {
        summary: 'Imports chargers from CSV or JSON, all or nothing',
        parameters: [{ name: 'dryRun', in: 'query', schema: { type: 'string', enum: ['1', 'true'] } }],
        requestBody: {
          content: { 'text/csv': { schema: { type: 'string' } }, ...json({ type: 'object' }) },
        },
        responses: {
          200: { description: 'what changed (or would, with dryRun)', content: json({ type: 'object' }) },
          400: problems,
          409: problems,
          413: { description: 'larger than 8 MiB or 50,000 rows' },
        },
      },
    },
    '/api/chargers/export': {
      get: {
        summary: "Exports the fleet's settings; secrets only with secrets=1 (audited)",
        parameters: [
          { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'csv'] } },
          { name: 'secrets', in: 'query', schema: { type: 'string', enum: ['1', 'true'] } },
        ],
        responses: { 200: { description: 'the fleet', content: { 'text/csv': {}, ...json({ type: 'object' }) } } },
      },
    },
    '/api/audit': {
      get: {
        summary: 'The audit trail, newest first, paged',
        parameters: ['identity', 'offset', 'limit'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        responses: { 200: ok({ type: 'object' }, 'a page of audit records') },
      },
    },
  },
  {
    ChargerSettings: settingsSchema(),
    SettingsView: {
      type: 'object',
      properties: {
        identity: { type: 'string' },
        origin: { type: 'string', enum: ['yaml', 'api', 'import', 'approved'] },
        fileKeys: { type: 'array', items: { type: 'string' } },
        settings: { type: 'object', description: 'secrets show as "(set)"' },
        retiredAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
        updatedBy: { type: 'string' },
      },
    },
    Problems: {
      type: 'object',
      properties: {
        error: { type: 'string' },
        problems: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              field: { type: 'string' },
              message: { type: 'string' },
              line: { type: 'integer' },
              row: { type: 'integer' },
              identity: { type: 'string' },
            },
          },
        },
      },
    },
  },
);
