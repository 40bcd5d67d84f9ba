// A shop's day in the back-office, in headless Chromium on a phone-sized screen: log in,
// receive a delivery, a till syncs a sale through the API, the sale shows on the dashboard,
// in the sales and in the stock journal, both exports download, the article list follows
// the stock by itself, and a count is taken and applied before a late offline sale arrives.
// Then, on a desk, the shop sends chargers to the merchant's other shop, which receives
// them with one unit missing, and a till session is opened, sold on in CDF and USD, closed
// with a difference and its Z-report printed (PDFs on A4 and on 80 mm paper). `caisse check`
// runs after the count, the transfer and the session. Started by run.sh, which sets up the
// server, the merchant with its two shops and the user.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL;
const email = process.env.E2E_EMAIL;
const password = process.env.E2E_PASSWORD;
const out = process.env.E2E_OUT ?? 'target/e2e';
const DEMO_SERIAL = '0a1badae951f8473';
const caisse = process.env.CAISSE_BIN ?? 'target/debug/caisse';

/// Text as a person reads it: the no-break spaces of amounts as plain spaces.
const readable = (text) => text.replace(/\u00a0/g, ' ');

/// The size of each page of a PDF, in points: [width, height].
const pageSizes = (pdf) =>
  [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)]
    .map((m) => [Number(m[1]), Number(m[2])]);

/// `caisse check` on the test's database (DATABASE_URL comes with the environment): it
/// exits 0 and finds nothing wrong. It exits 1 when an invariant is broken, which rejects.
const check = async () => {
  const { stdout, stderr } = await promisify(execFile)(caisse, ['check']);
  assert.equal(stdout.trim(), 'all invariants hold', `caisse check:\n${stdout}${stderr}`);
};

test("a shop's day in the back-office", async (t) => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  t.after(() => browser.close());
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: 'fr-FR',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  // Any script error or refused resource (the pages' security policy) fails the test.
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  let shots = 0;
  const shot = (name) =>
    page.screenshot({ path: `${out}/screenshots/${String(++shots).padStart(2, '0')}-${name}.png`, fullPage: true });
  const body = async () => readable(await page.locator('main').innerText());
  const sync = async (numero, articleId, quantite) => {
    const response = await fetch(`${base}/api/v2/simple/ventes/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Device-Serial': DEMO_SERIAL },
      body: JSON.stringify([{
        numero_facture: numero, mode_paiement: 'CASH', paye: true,
        lignes: [{ article_id: articleId, quantite, prix_unitaire: 25000 }],
      }]),
    });
    const text = await response.text();
    assert.equal(response.status, 201, text);
    return JSON.parse(text);
  };

  await t.test('log in', async () => {
    await page.goto(`${base}/backoffice/`);
    assert.match(page.url(), /\/backoffice\/login\?suivant=/);
    await page.getByLabel('Adresse e-mail').fill(email);
    await page.getByLabel('Mot de passe').fill('pas le bon');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    assert.match(await body(), /Adresse e-mail ou mot de passe incorrect/);
    // The browser reports the refusal's 401 on its console: expected here, nowhere else.
    problems.length = 0;
    await page.getByLabel('Mot de passe').fill(password);
    await shot('connexion');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${base}/backoffice/`);
    const text = await body();
    assert.match(text, /Ets Kivu/);
    // The merchant's two shops, and no other.
    const listed = await page.locator('main tbody tr td:first-child a').allInnerTexts();
    assert.deepEqual(listed.sort(), ['Autre Boutique', 'Ma Boutique']);
    await shot('tableau-de-bord-commercant');
    await page.getByRole('link', { name: 'Ma Boutique', exact: true }).click();
    await page.waitForURL(/\/backoffice\/boutiques\/\d+$/);
    assert.match(await body(), /Aujourd'hui\s+0 CDF\s+0 vente\(s\)/);
  });

  let chargeur;
  await t.test('receive a delivery', async () => {
    await page.getByRole('link', { name: 'Réception' }).click();
    await page.getByLabel('Référence du bon de livraison').fill('BL-E2E-001');
    const firstArticle = page.getByLabel('Article, ligne 1');
    chargeur = await firstArticle.locator('option', { hasText: '(CHG-001)' }).getAttribute('value');
    await firstArticle.selectOption(chargeur);
    await page.getByLabel('Quantité, ligne 1').fill('24');
    await shot('reception');
    await page.getByRole('button', { name: 'Enregistrer la livraison' }).click();
    await page.waitForURL(/\/mouvements\?/);
    const text = await body();
    assert.match(text, /Livraison « BL-E2E-001 » enregistrée : 1 article\(s\)\./);
    assert.match(text, /Entrée \+24\s+BL-E2E-001\s+100 → 124/);
    await shot('journal-apres-livraison');
  });

  await t.test('a till syncs a sale; the dashboard, the sales and the journal show it', async () => {
    const answer = await sync('FAC-E2E-0001', Number(chargeur), 2);
    assert.equal(answer.ventes_creees, 1);
    assert.equal(answer.details.creees[0].montant_total, '50000.00');

    await page.getByRole('link', { name: 'Tableau de bord' }).click();
    const today = readable(await page.locator('.tile', { hasText: "Aujourd'hui" }).innerText());
    assert.match(today, /50 000 CDF/);
    assert.match(today, /1 vente\(s\)/);
    await shot('tableau-de-bord-apres-vente');

    await page.getByRole('link', { name: 'Ventes', exact: true }).click();
    const sales = await body();
    assert.match(sales, /1 vente\(s\) · 50 000 CDF/);
    assert.match(sales, /FAC-E2E-0001/);
    assert.match(sales, /2 × Chargeur USB-C 25 W \(CHG-001\) à 25 000 CDF = 50 000 CDF/);
    await shot('ventes');

    await page.getByRole('link', { name: 'Journal du stock' }).click();
    const journal = await body();
    assert.match(journal, /Vente -2\s+FAC-E2E-0001\s+124 → 122/);
    await shot('journal-apres-vente');
  });

  await t.test('export the sales and the journal as CSV', async () => {
    await page.getByRole('link', { name: 'Ventes', exact: true }).click();
    const [sales] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Exporter en CSV' }).click(),
    ]);
    await sales.saveAs(`${out}/ventes.csv`);
    const salesCsv = await readFile(`${out}/ventes.csv`, 'utf8');
    assert.match(sales.suggestedFilename(), /^ventes-BTQ-009\.csv$/);
    assert.match(salesCsv, /;FAC-E2E-0001;Terminal MAUI;CASH;oui;non;"50000,00";CDF;CHG-001;Chargeur USB-C 25 W;2;"25000,00";"50000,00";0;"0,00";"50000,00"\r\n/);

    await page.getByRole('link', { name: 'Journal du stock' }).click();
    const [journal] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Exporter en CSV' }).click(),
    ]);
    await journal.saveAs(`${out}/mouvements.csv`);
    const journalCsv = await readFile(`${out}/mouvements.csv`, 'utf8');
    assert.match(journalCsv, /;CHG-001;Chargeur USB-C 25 W;ENTREE;24;100;124;BL-E2E-001;backoffice:gerante@kivu\.example;/);
    assert.match(journalCsv, /;CHG-001;Chargeur USB-C 25 W;VENTE;-2;124;122;FAC-E2E-0001;Terminal MAUI;/);
  });

  await t.test('the article list searches as one types and follows the stock', async () => {
    await page.getByRole('link', { name: 'Articles' }).click();
    const stock = page.locator('td[data-article="CHG-001"]');
    assert.match(readable(await stock.innerText()), /^122/);
    // Searching updates the list in place (htmx), without leaving the page.
    const url = page.url();
    await page.getByLabel('Recherche').pressSequentially('galaxy');
    await page.locator('#articles', { hasText: '2 article(s)' }).waitFor({ timeout: 10_000 });
    assert.equal(page.url(), url);
    await shot('articles-recherche');
    await page.getByLabel('Recherche').fill('');
    await page.locator('#articles', { hasText: '9 article(s)' }).waitFor({ timeout: 10_000 });
    // A sale synced meanwhile shows within the refresh period.
    await sync('FAC-E2E-0002', Number(chargeur), 1);
    await page.locator('td[data-article="CHG-001"]', { hasText: '121' }).waitFor({ timeout: 30_000 });
    await shot('articles-stock-a-jour');
  });

  await t.test('count the shelf on a phone; a late offline sale does not take the stock twice', async () => {
    await page.getByRole('link', { name: 'Comptages' }).click();
    assert.match(await body(), /déjà sortie du rayon/);
    await page.getByRole('button', { name: 'Commencer un comptage' }).click();
    await page.waitForURL(/\/comptages\/\d+$/);
    await page.locator('select[name=article_id]').selectOption(chargeur);
    await page.getByLabel('Nombre sur le rayon').fill('118');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    assert.match(await body(), /Article compté\./);
    assert.match(await body(), /Chargeur USB-C 25 W \(CHG-001\)\s+118/);
    await shot('comptage-en-cours');
    await page.getByRole('button', { name: 'Appliquer le comptage' }).click();
    assert.match(await body(), /Comptage appliqué/);
    assert.match(await body(), /121\s+118/);
    await shot('comptage-applique');
    // A till offline since before the count sends a sale made then (Kinshasa time, UTC+1).
    const made = new Date(Date.now() - 5 * 60_000 + 3_600_000).toISOString().slice(0, 19);
    const response = await fetch(`${base}/api/v2/simple/ventes/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Device-Serial': DEMO_SERIAL },
      body: JSON.stringify([{
        numero_facture: 'FAC-E2E-HORS-LIGNE', mode_paiement: 'CASH', paye: true, date_vente: made,
        lignes: [{ article_id: Number(chargeur), quantite: 1, prix_unitaire: 25000 }],
      }]),
    });
    assert.equal(response.status, 201, await response.text());
    await page.getByRole('link', { name: 'Journal du stock', exact: true }).click();
    const journal = await body();
    assert.match(journal, /Vente -1\s+FAC-E2E-HORS-LIGNE\s+118 → 117/);
    assert.match(journal, /Ajustement \+1\s+INVENTAIRE-\d+\s+117 → 118/);
    await shot('journal-vente-tardive');
    await check();
  });

  await t.test('on a desk, send chargers to the other shop, which receives them with one missing', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    // Ma Boutique (BTQ-009) sends 3 chargers to Autre Boutique (BTQ-010).
    await page.getByRole('link', { name: 'Transferts', exact: true }).click();
    await page.waitForURL(/\/transferts$/);
    const from = page.url();
    assert.match(await body(), /Aucun transfert envoyé\./);
    await page.locator('select[name=boutique_destination_id]').selectOption({ label: 'Autre Boutique' });
    await page.getByLabel('Article, ligne 1', { exact: true }).selectOption(chargeur);
    await page.getByLabel('Quantité, ligne 1', { exact: true }).fill('3');
    await page.getByLabel('Commentaire', { exact: true }).fill('Réassort E2E');
    await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
    // Back on the same address once sent: the card of the transfer tells it apart.
    await page.locator('section.card', { hasText: 'envoyé à Autre Boutique' }).waitFor();
    assert.equal(page.url(), from);
    const sent = await body();
    const [, id] = sent.match(/Transfert n° (\d+) — envoyé à Autre Boutique — En transit/) ?? [];
    assert.ok(id, `no transfer in transit:\n${sent}`);
    assert.match(sent, /Réassort E2E/);
    assert.match(sent, /Chargeur USB-C 25 W \(CHG-001\)\s+3\s+—\s+—\s+En transit/);
    await shot('transfert-envoye');
    // The units left Ma Boutique's stock at once: 118 → 115.
    await page.getByRole('link', { name: 'Journal du stock', exact: true }).click();
    assert.match(await body(), new RegExp(`Sortie -3\\s+TRANSFERT-${id}\\s+118 → 115`));
    await page.getByRole('link', { name: 'Articles', exact: true }).click();
    assert.match(readable(await page.locator('td[data-article="CHG-001"]').innerText()), /^115\b/);

    // In Autre Boutique, the manager counts 2 of the 3 and receives them.
    await page.getByRole('link', { name: 'Changer de boutique' }).click();
    await page.waitForURL(`${base}/backoffice/`);
    await page.getByRole('link', { name: 'Autre Boutique', exact: true }).click();
    await page.waitForURL(/\/backoffice\/boutiques\/\d+$/);
    assert.match(await page.locator('header').innerText(), /Autre Boutique \(BTQ-010\)/);
    await page.getByRole('link', { name: 'Transferts', exact: true }).click();
    await page.waitForURL(/\/transferts$/);
    const to = page.url();
    assert.notEqual(to, from);
    const incoming = page.locator('section.card', { hasText: `Transfert n° ${id} —` });
    assert.match(await incoming.innerText(), /reçu de Ma Boutique — En transit/);
    await page.getByLabel('Quantité reçue, Chargeur USB-C 25 W', { exact: true }).fill('2');
    await shot('transfert-a-recevoir');
    await page.getByRole('button', { name: 'Enregistrer la réception', exact: true }).click();
    await page.locator('section.card', { hasText: 'Reçu avec écart' }).waitFor();
    assert.equal(page.url(), to);
    const received = readable(await incoming.innerText());
    assert.match(received, new RegExp(`Transfert n° ${id} — reçu de Ma Boutique — Reçu avec écart`));
    assert.match(received, /1 unité\(s\) manquante\(s\)/);
    assert.match(received, /Chargeur USB-C 25 W \(CHG-001\)\s+3\s+2\s+1\s+Reçue/);
    await shot('transfert-recu-avec-ecart');
    // Autre Boutique had no charger: the article came with the transfer, with the 2 received.
    await page.getByRole('link', { name: 'Articles', exact: true }).click();
    assert.match(readable(await page.locator('td[data-article="CHG-001"]').innerText()), /^2\b/);
    await shot('articles-autre-boutique');
    await page.getByRole('link', { name: 'Journal du stock', exact: true }).click();
    assert.match(await body(), new RegExp(`Entrée \\+2\\s+TRANSFERT-${id}\\s+0 → 2`));
    await check();

    // Back to Ma Boutique for the rest of the day.
    await page.getByRole('link', { name: 'Changer de boutique' }).click();
    await page.waitForURL(`${base}/backoffice/`);
    await page.getByRole('link', { name: 'Ma Boutique', exact: true }).click();
    await page.waitForURL(/\/backoffice\/boutiques\/\d+$/);
    assert.match(await page.locator('header').innerText(), /Ma Boutique \(BTQ-009\)/);
  });

  await t.test('a till session: opened, sold on in CDF and USD, closed with a difference, its Z-report printed', async () => {
    // On a phone again, as at the till.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Sessions de caisse' }).click();
    assert.match(await body(), /comme tardive/);
    await page.locator('select[name=terminal_id]').selectOption({ label: 'Terminal MAUI' });
    await page.getByLabel('Fond de caisse en CDF').fill('50 000');
    await page.getByLabel('Fond de caisse en USD').fill('20');
    await page.getByRole('button', { name: 'Ouvrir la session' }).click();
    await page.waitForURL(/\/sessions-caisse\/\d+\?fait=ouverte$/);
    assert.match(await body(), /Session ouverte\./);
    await shot('session-ouverte');
    // The till sells a charger for 25 000 CDF and one for 9 USD, both paid in cash.
    const response = await fetch(`${base}/api/v2/simple/ventes/sync`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Device-Serial': DEMO_SERIAL },
      body: JSON.stringify([
        { numero_facture: 'FAC-E2E-SESSION-CDF', mode_paiement: 'CASH', paye: true,
          lignes: [{ article_id: Number(chargeur), quantite: 1, prix_unitaire: 25000 }] },
        { numero_facture: 'FAC-E2E-SESSION-USD', mode_paiement: 'CASH', paye: true, devise: 'USD',
          lignes: [{ article_id: Number(chargeur), quantite: 1, prix_unitaire: 9, devise: 'USD' }] },
      ]),
    });
    assert.equal(response.status, 201, await response.text());
    await page.reload();
    let report = await body();
    assert.match(report, /Attendu\s+75 000 CDF/);
    assert.match(report, /Attendu\s+29 USD/);
    // Closed: 1 000 CDF short, the dollars right.
    await page.getByLabel('Espèces comptées en CDF').fill('74 000');
    await page.getByLabel('Espèces comptées en USD').fill('29');
    await page.getByRole('button', { name: 'Fermer la session' }).click();
    await page.waitForURL(/\?fait=fermee$/);
    report = await body();
    assert.match(report, /Rapport Z — session n° \d+ \(Terminal MAUI\)/);
    assert.match(report, /Compté\s+74 000 CDF\s+Écart\s+-1 000 CDF \(manque\)/);
    assert.match(report, /Compté\s+29 USD\s+Écart\s+0 USD/);
    assert.match(report, /CASH\s+USD\s+1\s+9 USD/);
    await shot('rapport-z');
    // Printed: on A4 the report alone (no menu, no form), on a ticket 80 mm wide.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('nav.shop').isVisible(), false);
    assert.equal(await page.getByRole('button', { name: 'Imprimer (A4)' }).isVisible(), false);
    await shot('rapport-z-impression');
    await page.emulateMedia({ media: 'screen' });
    const a4 = pageSizes(await page.pdf({ path: `${out}/rapport-z-a4.pdf`, preferCSSPageSize: true }));
    assert.ok(a4.length >= 1 && a4.every(([w, h]) => Math.abs(w - 595.3) < 1.5 && Math.abs(h - 841.9) < 1.5), JSON.stringify(a4));
    await page.getByRole('link', { name: 'Ticket 80 mm' }).click();
    await page.waitForURL(/format=ticket$/);
    assert.match(await body(), /Écart\s+-1 000 CDF \(manque\)/);
    await shot('rapport-z-ticket');
    const ticket = pageSizes(await page.pdf({ path: `${out}/rapport-z-ticket.pdf`, preferCSSPageSize: true }));
    assert.ok(ticket.length >= 1 && ticket.every(([w]) => Math.abs(w - 226.8) < 1.5), JSON.stringify(ticket));
    await page.getByRole('link', { name: 'Retour au rapport' }).click();
    await check();
  });

  await t.test('on a desk, then log out', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Tableau de bord' }).click();
    assert.match(await body(), /Aujourd'hui\s+125 000 CDF \+ 9 USD\s+5 vente\(s\)/);
    await shot('tableau-de-bord-bureau');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(/\/backoffice\/login$/);
    await page.goto(`${base}/backoffice/`);
    assert.match(page.url(), /\/backoffice\/login/);
  });

  assert.deepEqual(problems, []);
});
