// Launches Debian's chromium through playwright-core, one browser per test file.
"use strict";
const { execFileSync } = require("node:child_process");
const { chromium } = require("playwright-core");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  // Without these chromium's own background connections fail slowly on a closed network.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

/** Resolves to a Browser, or null when no chromium is installed (callers skip). */
async function launchBrowser() {
  const executablePath = chromiumPath();
  if (!executablePath) return null;
  return chromium.launch({ executablePath, args: ARGS });
}

/** Opens a page in a fresh context (own cookies and storage) and forwards page errors. */
async function openPage(browser, url, errors = []) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (err) => errors.push(err));
  await page.goto(url);
  return page;
}

module.exports = { launchBrowser, openPage, chromiumPath };
