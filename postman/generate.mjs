#!/usr/bin/env node
// Writes the Postman collection and its demo environment from caisse's OpenAPI document.
//
//   node postman/generate.mjs [document URL or file]   (default http://127.0.0.1:8000/api/openapi.json)
//
// Each request comes from one operation of the document: its name, description, method,
// path, query parameters (disabled, for the tester to turn on), headers (the till's serial
// or the administration token, as the operation's security says) and its body example.
// The scenario below only orders the operations into a run that works on a freshly seeded
// demo database, gives the values that must be unique per run, and passes ids from one
// answer to the next request. Every request checks its status against the document.
// `node postman/generate.mjs --check` fails if the committed files are not what the
// document gives.

import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const check = args.includes("--check");
const source = args.find((a) => !a.startsWith("--")) ?? "http://127.0.0.1:8000/api/openapi.json";

const doc = /^https?:/.test(source)
  ? await (await fetch(source)).json()
  : JSON.parse(await readFile(source, "utf8"));

const operations = new Map();
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    operations.set(op.operationId, { path, method: method.toUpperCase(), op });
  }
}

// A run: [operationId, options]. Options: `body` (replaces the document's example),
// `query` ({name: value}), `path` ({param: value}, default `{{param}}`), `serial` (another
// till), `status` (another expected status), `save` ({variable: "expression on json"}).
const run = "{{run}}";
const scenario = [
  ["Terminal", [
    ["status"],
    ["pos_status"],
    ["terminal_info", { path: { numero_serie: "{{serial}}" } }],
    ["articles"],
    ["articles_of_terminal", { path: { numero_serie: "{{serial}}" } }],
    ["deleted_articles"],
    ["pending_sendings"],
    // Nothing was sent to the demo shop: the same answer, nothing moves.
    ["refuse_sending", { body: { article_id: "{{article_id}}" } }],
    ["variants"],
    ["categories"],
    ["sync_sales", {
      body: [
        { numero_facture: `PM-${run}-1`, mode_paiement: "CASH", paye: true, lignes: [{ article_id: "{{article_id}}", quantite: 2, prix_unitaire: 25000 }] },
        { numero_facture: `PM-${run}-2`, mode_paiement: "MOBILE_MONEY", lignes: [{ article_id: "{{article_id}}", quantite: 1 }] },
        // Refused (not enough stock), and so kept for a manager to review.
        { numero_facture: `PM-${run}-R`, lignes: [{ article_id: "{{article_id}}", quantite: 1000000 }] },
      ],
    }],
    ["sync_sales_again", {
      body: [{ numero_facture: `PM-${run}-S`, lignes: [{ article_id: "{{article_id}}", quantite: 1, prix_unitaire: 22000, prix_original: 25000 }] }],
    }],
    // The till gives up the refused sale: it stays for the manager to review.
    ["abandon_refused_sale", { body: { reference: `PM-${run}-R`, motif_rejet: "Stock insuffisant", articles: [{ article_id: "{{article_id}}", quantite: 1000000 }] } }],
    ["create_sale", { body: { numero_facture: `PM-${run}-3`, mode_paiement: "CASH", lignes: [{ article_id: "{{article_id}}", quantite: 1 }] } }],
    ["cancel_sale", { body: { numero_facture: `PM-${run}-3`, motif: "Erreur de saisie" } }],
    ["return_articles", { body: { numero_facture: `PM-${run}-1`, lignes: [{ article_id: "{{article_id}}", quantite: 1 }], motif: "Article défectueux" } }],
    ["reconcile", { body: { numeros_factures: [`PM-${run}-1`, `PM-${run}-2`, `PM-${run}-9`] } }],
    ["sales_history", { query: { limit: "20" } }],
    ["statistics"],
    ["negotiations"],
    ["record_negotiated_price", { body: { code_article: "CHG-001", montant_negocie: 22000, date_operation: "2026-11-25T14:03:00+01:00", reference_vente: `PM-${run}-S` } }],
    ["negotiated_prices"],
    ["record_returned_goods", { body: { code_article: "CHG-001", montant_retourne: 25000, date_operation: "2026-11-26T09:00:00+01:00", reference_vente: `PM-${run}-1` } }],
    ["returned_goods"],
    ["record_cash_report", { body: { detail: `Achat de sachets ${run}`, depense: "5000", date_rapport: "2026-11-25T18:00:00+01:00" } }],
    ["cash_reports", { query: { par_terminal: "true" } }],
    ["analyse_movements", { query: { mode: "complet" } }],
    ["stock_value_journal", { query: { limit: "30" } }],
    ["stock_movements", { query: { article_id: "{{article_id}}" } }],
    ["set_stock", { body: { quantite_stock: 100, commentaire: "Inventaire Postman" } }],
    ["regularise_stock", { body: { article_id: "{{article_id}}", quantite_ajout: 1, notes: "Carton retrouvé" } }],
    // The count and the regularisation above made notifications for the shop's tills.
    ["notifications", { save: { notification_id: "json.results[0].id" } }],
    ["notifications_unread"],
    ["notifications_count_unread"],
    ["notifications_recent"],
    ["notification", { path: { id: "{{notification_id}}" } }],
    ["notification_mark_as_read", { path: { id: "{{notification_id}}" } }],
    ["notifications_mark_all_as_read"],
    ["boutiques_for_caller"],
  ]],
  ["Administration", [
    ["admin_list_boutiques"],
    ["admin_create_boutique", {
      body: { nom: `Boutique Postman ${run}`, code_boutique: `PM-${run}`, ville: "Goma", politique_stock: "AUTORISER_NEGATIF" },
      save: { new_boutique_id: "json.boutique.id" },
    }],
    ["admin_show_boutique", { path: { boutique_id: "{{new_boutique_id}}" } }],
    ["admin_update_boutique", { path: { boutique_id: "{{new_boutique_id}}" }, body: { ville: "Bukavu" } }],
    ["admin_set_shop_rate", { path: { boutique_id: "{{new_boutique_id}}" }, body: { taux_dollar: "2850.00" } }],
    ["admin_shop_rate", { path: { boutique_id: "{{new_boutique_id}}" } }],
    // The demo merchant's rate, set to what it is.
    ["admin_set_merchant_rate", { path: { commercant_id: "1" }, body: { taux_dollar: "2800.00" } }],
    ["admin_create_terminal", {
      path: { boutique_id: "{{new_boutique_id}}" },
      body: { numero_serie: `PM-TILL-${run}`, nom_terminal: "Caisse Postman" },
      save: { new_terminal_id: "json.terminal.id" },
    }],
    ["admin_list_terminals", { path: { boutique_id: "{{new_boutique_id}}" } }],
    ["admin_show_terminal", { path: { boutique_id: "{{new_boutique_id}}", terminal_id: "{{new_terminal_id}}" } }],
    ["admin_update_terminal", { path: { boutique_id: "{{new_boutique_id}}", terminal_id: "{{new_terminal_id}}" }, body: { nom_terminal: "Caisse 1" } }],
    // A till registered now must present its key: the new one is kept for its requests.
    ["admin_rotate_terminal_key", {
      path: { boutique_id: "{{new_boutique_id}}", terminal_id: "{{new_terminal_id}}" },
      save: { new_terminal_key: "json.cle_api" },
    }],
    ["admin_create_category", { path: { boutique_id: "{{new_boutique_id}}" }, body: { nom: "Jus" }, save: { new_categorie_id: "json.categorie.id" } }],
    ["admin_list_categories", { path: { boutique_id: "{{new_boutique_id}}" } }],
    ["admin_update_category", { path: { boutique_id: "{{new_boutique_id}}", categorie_id: "{{new_categorie_id}}" }, body: { description: "Jus de fruits" } }],
    ["admin_create_article", {
      path: { boutique_id: "{{new_boutique_id}}" },
      body: { code: "JUS-1", nom: "Jus d orange 1 L", prix_vente: 1500, categorie_id: "{{new_categorie_id}}" },
      save: { new_article_id: "json.article.id" },
    }],
    ["admin_list_articles", { path: { boutique_id: "{{new_boutique_id}}" }, query: { recherche: "jus" } }],
    ["admin_show_article", { path: { boutique_id: "{{new_boutique_id}}", article_id: "{{new_article_id}}" } }],
    ["admin_update_article", { path: { boutique_id: "{{new_boutique_id}}", article_id: "{{new_article_id}}" }, body: { prix_vente: "1600" } }],
    ["admin_create_variant", {
      path: { boutique_id: "{{new_boutique_id}}", article_id: "{{new_article_id}}" },
      body: { code_barre: `PM-${run}-EAN`, nom_variante: "Sans pulpe", type_attribut: "PARFUM" },
      save: { new_variante_id: "json.article.variantes[0].id" },
    }],
    ["admin_update_variant", { path: { boutique_id: "{{new_boutique_id}}", article_id: "{{new_article_id}}", variante_id: "{{new_variante_id}}" }, body: { nom_variante: "Avec pulpe" } }],
    ["admin_withdraw_variant", { path: { boutique_id: "{{new_boutique_id}}", article_id: "{{new_article_id}}", variante_id: "{{new_variante_id}}" } }],
    ["admin_receive_delivery", { path: { boutique_id: "{{new_boutique_id}}" }, body: { reference_document: `BL-${run}`, lignes: [{ article_id: "{{new_article_id}}", quantite: 24 }] } }],
    // Goods sent to the new shop enter its stock when its till confirms them.
    ["admin_send_to_shop", { path: { boutique_id: "{{new_boutique_id}}" }, body: { lignes: [{ article_id: "{{new_article_id}}", quantite: 6 }] } }],
    ["pending_sendings", { serial: `PM-TILL-${run}`, key: "{{new_terminal_key}}", name: "Sendings awaiting the new shop's till" }],
    ["confirm_sending", { serial: `PM-TILL-${run}`, key: "{{new_terminal_key}}", body: { article_id: "{{new_article_id}}", quantite_validee: 6 } }],
    // Transfers stay within one merchant: the new shop belongs to none (an all-merchant token
    // created it), so the demo shop cannot send to it, and it has no transfer to follow.
    ["admin_send_transfer", {
      path: { boutique_id: "{{boutique_id}}" },
      body: { boutique_destination_id: "{{new_boutique_id}}", lignes: [{ article_id: "{{article_id}}", quantite: 1 }] },
      status: 404,
      name: "A transfer to a shop of another merchant is refused",
    }],
    ["admin_list_transfers", { path: { boutique_id: "{{boutique_id}}" } }],
    ["admin_show_transfer", { path: { boutique_id: "{{new_boutique_id}}", transfert_id: "999999999" }, status: 404, name: "A transfer the shop has no part in" }],
    ["admin_receive_transfer", { path: { boutique_id: "{{new_boutique_id}}", transfert_id: "999999999" }, body: { lignes: [] }, status: 404, name: "Receive a transfer the shop does not receive" }],
    ["admin_refuse_transfer", { path: { boutique_id: "{{new_boutique_id}}", transfert_id: "999999999" }, status: 404, name: "Refuse a transfer the shop does not receive" }],
    ["admin_adjust_stock", { path: { boutique_id: "{{new_boutique_id}}" }, body: { article_id: "{{new_article_id}}", quantite_stock: 20, motif: "Inventaire" } }],
    // A count session: opened, counted, applied; a second one abandoned.
    ["admin_open_count", { path: { boutique_id: "{{new_boutique_id}}" }, body: { commentaire: "Inventaire de fin de mois" }, save: { comptage_id: "json.comptage.id" } }],
    ["admin_count_lines", { path: { boutique_id: "{{new_boutique_id}}", comptage_id: "{{comptage_id}}" }, body: { lignes: [{ article_id: "{{new_article_id}}", quantite: 19 }] } }],
    ["admin_show_count", { path: { boutique_id: "{{new_boutique_id}}", comptage_id: "{{comptage_id}}" } }],
    ["admin_apply_count", { path: { boutique_id: "{{new_boutique_id}}", comptage_id: "{{comptage_id}}" } }],
    ["admin_open_count", { path: { boutique_id: "{{new_boutique_id}}" }, body: {}, save: { comptage_id: "json.comptage.id" }, name: "Open a second count session" }],
    ["admin_abandon_count", { path: { boutique_id: "{{new_boutique_id}}", comptage_id: "{{comptage_id}}" } }],
    ["admin_list_counts", { path: { boutique_id: "{{new_boutique_id}}" } }],
    // The new shop's till sells more than the stock: recorded, with a stock alert.
    ["sync_sales", {
      serial: `PM-TILL-${run}`,
      key: "{{new_terminal_key}}",
      name: "A sale beyond the stock, from the new shop's till",
      body: [{ numero_facture: `PM-${run}-N`, lignes: [{ article_id: "{{new_article_id}}", quantite: 25 }] }],
    }],
    ["admin_list_stock_alerts", { query: { boutique_id: "{{new_boutique_id}}", fermee: "false" }, save: { alerte_id: "json.alertes_stock[0].id" } }],
    ["admin_close_stock_alert", { path: { boutique_id: "{{new_boutique_id}}", id: "{{alerte_id}}" }, body: { commentaire: "Livraison saisie" } }],
    ["admin_list_sales", { query: { limit: "50" }, save: { vente_id: `json.ventes.find(v => v.numero_facture === 'PM-' + pm.collectionVariables.get('run') + '-2').id` } }],
    ["admin_return_articles", { path: { vente_id: "{{vente_id}}" }, body: { lignes: [{ article_id: "{{article_id}}", quantite: 1 }], motif: "Retour client" } }],
    ["admin_cancel_sale", { path: { vente_id: "{{vente_id}}" }, body: { motif: "Erreur de caisse" } }],
    ["admin_list_movements", { query: { type_mouvement: "RETOUR" } }],
    ["admin_list_rejections", { query: { boutique_id: "{{boutique_id}}", resolue: "false" }, save: { rejet_id: "json.ventes_rejetees[0].id" } }],
    ["admin_resolve_rejection", { path: { id: "{{rejet_id}}" }, body: { commentaire: "Stock recompté" } }],
    ["admin_delete_category", { path: { boutique_id: "{{new_boutique_id}}", categorie_id: "{{new_categorie_id}}" } }],
    ["admin_withdraw_article", { path: { boutique_id: "{{new_boutique_id}}", article_id: "{{new_article_id}}" } }],
    ["admin_list_tokens", {}],
    // Revoking a token that does not exist: the collection's own token must keep working.
    ["admin_revoke_token", { path: { jeton_id: "999999999" }, status: 404, name: "Revoke a token that does not exist" }],
    ["admin_open_till_session", { path: { boutique_id: "{{new_boutique_id}}" }, body: { terminal_id: "{{new_terminal_id}}", fond_cdf: "10000", fond_usd: "20" }, save: { session_id: "json.session.id" } }],
    ["admin_close_till_session", { path: { boutique_id: "{{new_boutique_id}}", session_id: "{{session_id}}" }, body: { compte_cdf: "10000", compte_usd: "20" } }],
    ["admin_list_till_sessions", { path: { boutique_id: "{{new_boutique_id}}" }, query: { limit: "50" } }],
    ["admin_till_session_report", { path: { boutique_id: "{{new_boutique_id}}", session_id: "{{session_id}}" } }],
    ["admin_deactivate_terminal", { path: { boutique_id: "{{new_boutique_id}}", terminal_id: "{{new_terminal_id}}" } }],
    ["admin_deactivate_boutique", { path: { boutique_id: "{{new_boutique_id}}" } }],
  ]],
  ["Operations", [
    ["health_live"],
    ["health_ready"],
  ]],
];

// Operations the collection leaves out, and why.
const left_out = {
  metrics: "served only with CAISSE_METRICS=true",
  live_boutique: "a WebSocket: a collection runs HTTP requests only",
  live_notifications: "a WebSocket: a collection runs HTTP requests only",
};

function resolve(schema) {
  while (schema && schema.$ref) {
    schema = schema.$ref.split("/").slice(1).reduce((node, key) => node[key], doc);
  }
  return schema;
}

/// An example value for `schema`, from the document's own examples.
function example(schema, depth = 0) {
  schema = resolve(schema);
  if (!schema || depth > 8) return null;
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.oneOf) return example(schema.oneOf[0], depth + 1);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => example(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const out = {};
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const value = example(property, depth + 1);
        if ((schema.required ?? []).includes(name) || resolve(property)?.example !== undefined) {
          out[name] = value;
        }
      }
      return out;
    }
    case "array":
      return [example(schema.items, depth + 1)];
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    default:
      return "texte";
  }
}

/// `"{{x}}"` in a JSON body becomes `{{x}}`, so that ids are sent as numbers.
function bodyText(value) {
  return JSON.stringify(value, null, 2).replace(/"(\{\{[a-z_]+\}\})"/g, "$1");
}

function request(operationId, options = {}) {
  const found = operations.get(operationId);
  if (!found) throw new Error(`no operation ${operationId} in the document`);
  const { path, method, op } = found;
  const params = op.parameters ?? [];
  const pathValues = { ...options.path };
  const url = path.replace(/\{([a-z_]+)\}/g, (_, name) => pathValues[name] ?? `{{${name}}}`);
  const query = params
    .filter((p) => p.in === "query")
    .map((p) => ({
      key: p.name,
      value: options.query?.[p.name] ?? String(p.example ?? resolve(p.schema)?.example ?? ""),
      description: p.description,
      disabled: options.query?.[p.name] === undefined,
    }));
  const header = [];
  const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
  if (schemes.includes("X-Device-Serial") || options.serial) {
    header.push({ key: "X-Device-Serial", value: options.serial ?? "{{serial}}" });
    if (options.key) {
      header.push({ key: "X-Api-Key", value: options.key });
    }
  } else if (schemes.includes("admin_token")) {
    header.push({ key: "Authorization", value: "Bearer {{admin_token}}" });
  }
  for (const p of params.filter((p) => p.in === "header")) {
    header.push({ key: p.name, value: "", description: p.description, disabled: true });
  }
  let body;
  if (op.requestBody) {
    const content = op.requestBody.content["application/json"];
    const value = options.body ?? content.example ?? example(content.schema);
    header.push({ key: "Content-Type", value: "application/json" });
    body = { mode: "raw", raw: bodyText(value), options: { raw: { language: "json" } } };
  }
  // A creation's first answer is its 201; a repeat of it may be a 200.
  const successes = Object.keys(op.responses).filter((s) => s.startsWith("2"));
  const expected = options.status ?? Number(successes.includes("201") ? "201" : successes[0]);
  const tests = [
    `pm.test("${method} ${path} answers ${expected}", () => pm.response.to.have.status(${expected}));`,
  ];
  if (op.responses[expected]?.content?.["application/json"]) {
    tests.push(`pm.test("the answer is JSON", () => pm.response.to.be.json);`);
    tests.push(`const json = pm.response.json();`);
  }
  for (const [variable, expression] of Object.entries(options.save ?? {})) {
    tests.push(`pm.collectionVariables.set("${variable}", ${expression});`);
  }
  const raw = `{{base_url}}${url}${query.some((q) => !q.disabled) ? "?" + query.filter((q) => !q.disabled).map((q) => `${q.key}=${q.value}`).join("&") : ""}`;
  return {
    name: options.name ?? op.summary,
    event: [{ listen: "test", script: { type: "text/javascript", exec: tests } }],
    request: {
      method,
      header,
      ...(body ? { body } : {}),
      url: {
        raw,
        host: ["{{base_url}}"],
        path: url.split("/").slice(1),
        ...(query.length ? { query } : {}),
      },
      description: [op.description, `Operation \`${operationId}\` of the OpenAPI document.`].filter(Boolean).join("\n\n"),
    },
  };
}

const used = new Set(scenario.flatMap(([, steps]) => steps.map(([id]) => id)));
const missing = [...operations.keys()].filter((id) => !used.has(id) && !(id in left_out));
if (missing.length) {
  throw new Error(`operations of the document missing from the Postman scenario: ${missing.join(", ")}`);
}

const collection = {
  info: {
    name: "caisse",
    description:
      "Every operation of caisse's OpenAPI document, in an order that runs on a freshly seeded demo " +
      "database (and again on the same one). Generated by postman/generate.mjs from /api/openapi.json: " +
      "do not edit by hand. Use it with the environment demo.postman_environment.json; set its " +
      "admin_token to a token from `caisse create-admin-token`.",
    schema: "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
  },
  event: [{
    listen: "prerequest",
    script: {
      type: "text/javascript",
      // Invoice numbers, codes and serials made unique per run, so a run can be repeated.
      exec: ["if (!pm.collectionVariables.get('run')) { pm.collectionVariables.set('run', String(Date.now())); }"],
    },
  }],
  variable: [{ key: "run", value: "" }],
  item: scenario.map(([folder, steps]) => ({
    name: folder,
    item: steps.map(([id, options]) => request(id, options)),
  })),
};

const environment = {
  name: "caisse demo",
  values: [
    { key: "base_url", value: "http://127.0.0.1:8000", type: "default", enabled: true },
    { key: "serial", value: "0a1badae951f8473", type: "default", enabled: true },
    { key: "boutique_id", value: "1", type: "default", enabled: true },
    { key: "article_id", value: "1", type: "default", enabled: true },
    { key: "admin_token", value: "", type: "secret", enabled: true },
  ],
  _postman_variable_scope: "environment",
};

const files = [
  [join(here, "caisse.postman_collection.json"), collection],
  [join(here, "demo.postman_environment.json"), environment],
];
let stale = false;
for (const [file, content] of files) {
  const text = JSON.stringify(content, null, 2) + "\n";
  if (check) {
    const committed = await readFile(file, "utf8").catch(() => "");
    if (committed !== text) {
      console.error(`${file} is not what the OpenAPI document gives: run node postman/generate.mjs`);
      stale = true;
    }
  } else {
    await writeFile(file, text);
    console.log(`wrote ${file}`);
  }
}
if (stale) process.exit(1);
