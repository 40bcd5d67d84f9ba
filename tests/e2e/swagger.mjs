// Swagger UI as a new user meets it, in headless Chromium: the page lists the endpoints,
// "Try it out" then "Execute" on GET /api/v2/simple/status/ gets a 200 from the server, and
// so does GET /api/v2/simple/articles/ once authorized with the demo till's serial.
//
//   node tests/e2e/swagger.mjs <base URL> <screenshot.png>
//
// Chromium is the system's (Debian's `chromium` package), not one downloaded by Playwright.

import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base = "http://127.0.0.1:8000", screenshot = "target/swagger-ui.png"] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "caisse-chromium-"));

// A fresh profile, so that no state of an earlier run plays a part.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 1600 },
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(20000);
  await page.goto(`${base}/api/docs/`);

  // The endpoints are listed, grouped by tag.
  await page.locator(".opblock").first().waitFor();
  const listed = await page.locator(".opblock-summary-path").allTextContents();
  const paths = listed.map((p) => p.replace(/\u200b/g, "").trim());
  for (const expected of ["/api/v2/simple/ventes/sync/", "/api/v2/simple/articles/", "/api/admin/boutiques", "/health/ready"]) {
    if (!paths.includes(expected)) throw new Error(`${expected} is not listed; the page lists ${paths.join(", ")}`);
  }
  console.log(`Swagger UI lists ${paths.length} operations`);

  // Try it out on the status endpoint.
  const status = page.locator("#operations-Terminal-status");
  await status.locator(".opblock-summary").click();
  await status.getByRole("button", { name: "Try it out" }).click();
  await status.getByRole("button", { name: "Execute" }).click();
  const code = status.locator(".live-responses-table .response .response-col_status").first();
  await code.waitFor();
  const answered = (await code.textContent()).trim();
  const body = await status.locator(".live-responses-table .response-col_description pre").first().textContent();
  await status.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshot, fullPage: false });
  if (answered !== "200" || !body.includes('"status": "ok"')) {
    throw new Error(`Try it out on GET /api/v2/simple/status/ answered ${answered}: ${body}`);
  }
  console.log(`Try it out: GET /api/v2/simple/status/ answered 200; screenshot in ${screenshot}`);

  // A till's endpoint: authorize with the demo till's serial, as the page says, then try it.
  await page.getByRole("button", { name: "Authorize" }).first().click();
  const dialog = page.locator(".dialog-ux");
  const serialForm = dialog.locator(".auth-container").filter({ hasText: "X-Device-Serial" });
  await serialForm.locator("input").fill("0a1badae951f8473");
  await serialForm.locator("button.authorize").click();
  await dialog.locator("button.btn-done").first().click();
  const articles = page.locator("#operations-Terminal-articles");
  await articles.locator(".opblock-summary").click();
  await articles.getByRole("button", { name: "Try it out" }).click();
  await articles.getByRole("button", { name: "Execute" }).click();
  const articlesCode = articles.locator(".live-responses-table .response .response-col_status").first();
  await articlesCode.waitFor();
  const articlesBody = await articles.locator(".live-responses-table .response-col_description pre").first().textContent();
  if ((await articlesCode.textContent()).trim() !== "200" || !articlesBody.includes("Chargeur USB-C 25 W")) {
    throw new Error(`Try it out on GET /api/v2/simple/articles/ with the demo serial: ${articlesBody}`);
  }
  const articlesShot = screenshot.replace(/\.png$/, "-articles.png");
  await articlesCode.scrollIntoViewIfNeeded();
  await page.screenshot({ path: articlesShot });
  console.log(`Try it out: GET /api/v2/simple/articles/ as the demo till answered 200 with its catalogue; screenshot in ${articlesShot}`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
