// The desktop app end to end, in its real window: the demo systems, the setup wizard, the full
// synchronization, and coupling one customer by hand. Each step leaves a screenshot in
// target/desktop-e2e/ for people to look at.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch } from "./harness.mjs";

/** A demo customer that the full synchronization couples to the account of the same name. */
const CUSTOMER = "Adatum Corporation";
const WAIT = { timeout: 60_000, interval: 200 };

let app;

before(async () => {
  app = await launch();
});

after(async () => {
  await app?.stop();
});

/** XPath of a button by its visible text or accessible label. */
function button(name) {
  return `//button[normalize-space(.)="${name}" or @aria-label="${name}"]`;
}

/** XPath of a navigation tab by its label (Fluent repeats the label in a hidden span). */
function tab(name) {
  return `//*[@role="tab"][.//*[normalize-space(text())="${name}"]]`;
}

async function click(xpath) {
  const el = await app.browser.$(xpath);
  await el.waitForClickable(WAIT);
  await el.click();
}

async function clickButton(name) {
  await click(button(name));
}

/** Waits until the page text contains `text`. */
async function see(text) {
  await app.browser.waitUntil(
    () => app.browser.execute((t) => document.body.innerText.includes(t), text),
    { ...WAIT, timeoutMsg: `"${text}" did not appear` },
  );
}

/** Waits until an element labelled `label` is shown. */
async function seeLabelled(label) {
  const el = await app.browser.$(`//*[@aria-label="${label}"]`);
  await el.waitForDisplayed(WAIT);
}

/** Waits until the connection checks list every step as passed. */
async function allChecksPassed() {
  await app.browser.waitUntil(
    () =>
      app.browser.execute(() => {
        const list = document.querySelector('[aria-label="Connection checks"]');
        if (!list) return false;
        const items = [...list.querySelectorAll("[aria-label]")].map((i) => i.getAttribute("aria-label"));
        return items.length > 0 && items.every((label) => label.endsWith(": passed"));
      }),
    { ...WAIT, timeoutMsg: "the connection checks did not all pass" },
  );
}

/** The status text of the customer's row on the coupling page. */
async function customerRow() {
  return app.browser.execute((name) => {
    const box = document.querySelector(`input[type="checkbox"][aria-label="Select ${name}"]`);
    const row = box?.closest('[role="row"]');
    return row ? row.innerText : "";
  }, CUSTOMER);
}

async function waitForRow(predicate, what) {
  await app.browser.waitUntil(async () => predicate(await customerRow()), {
    ...WAIT,
    timeoutMsg: `the row of ${CUSTOMER} did not become ${what}`,
  });
}

/** Ticks the customer's row (Fluent draws the box over a transparent native checkbox). */
async function selectCustomer() {
  await click(`//input[@type="checkbox" and @aria-label="Select ${CUSTOMER}"]/..`);
}

test("a new user tries the demo systems, synchronizes, and couples a customer by hand", async () => {
  await see("Welcome to Couplet");
  await app.shot("welcome");

  await clickButton("Try with demo systems");
  await see("Connect Couplet");
  await app.shot("wizard-dataverse");

  // A wrong secret: the Test button names the refused token and what to check.
  const secret = await app.browser.$(`//input[@type="password"]`);
  const demoSecret = await secret.getValue();
  await secret.setValue("not-the-secret");
  await clickButton("Test connection");
  await seeLabelled("Token: failed");
  await see("Microsoft Entra refused the credentials");
  await app.shot("wizard-dataverse-wrong-secret");
  await secret.setValue(demoSecret);

  await clickButton("Test connection");
  await allChecksPassed();
  await app.shot("wizard-dataverse-tested");
  await clickButton("Next");

  await see("Environment name");
  await clickButton("Test connection");
  await allChecksPassed();
  await app.shot("wizard-business-central-tested");
  await clickButton("Next");

  await seeLabelled("Dataverse integration user");
  await app.shot("wizard-integration-user");
  await clickButton("Next");

  await seeLabelled("Table mappings");
  await app.shot("wizard-mappings");
  await clickButton("Next");

  await see("Run full synchronization now");
  await app.shot("wizard-finish");
  await clickButton("Finish");

  // The wizard hands over to the full synchronization, started in the background.
  await see("Synchronizes every enabled table mapping");
  await see("Last run:");
  const summary = await app.browser.execute(() => document.body.innerText);
  assert.match(summary, /CUSTOMER/);
  assert.match(summary, /customers ↔ account · [1-9]\d* coupled/, "customers were coupled");
  assert.match(summary, /salespeoplePurchasers ↔ systemuser · [1-9]\d* coupled/, "salespeople were coupled");
  await app.shot("full-sync-finished");

  await click(tab("Customers"));
  await waitForRow((text) => text.includes("Coupled"), "coupled");
  assert.match(await customerRow(), new RegExp(`${CUSTOMER}[\\s\\S]*${CUSTOMER}`), "the account is shown beside it");
  await app.shot("customers");

  await selectCustomer();
  await clickButton("Uncouple");
  await app.shot("uncouple-confirm");
  await click(`//*[@role="alertdialog" or @role="dialog"]${button("Uncouple")}`);
  await waitForRow((text) => text.includes("Not coupled"), "not coupled");
  await app.shot("customer-uncoupled");

  await selectCustomer();
  await clickButton("Couple…");
  await see("Suggested match");
  await app.shot("couple-picker");
  await click(`//*[@role="dialog"]//input[@type="radio" and starts-with(@aria-label, "${CUSTOMER}")] | //*[@role="dialog"]//label[starts-with(normalize-space(.), "${CUSTOMER}")]`);
  await click(`//*[@role="dialog"]${button("Couple")}`);
  await waitForRow((text) => text.includes("Coupled") && !text.includes("Not coupled"), "coupled again");
  await app.shot("customer-coupled-by-hand");

  await selectCustomer();
  await clickButton("Synchronize now");
  await see("Business Central → Dataverse");
  await click(`//*[@role="dialog"]//label[normalize-space(.)="Business Central → Dataverse"]`);
  await app.shot("sync-direction");
  await click(`//*[@role="dialog"]${button("Synchronize")}`);
  await see("Synchronized 1");
  await app.shot("customer-synchronized");

  await click(tab("Runs and errors"));
  await see("Synchronization log");
  await click(`//input[@type="radio" and starts-with(@aria-label, "Select run Full synchronization")]/..`);
  await see("Errors of Full synchronization");
  await see("MH");
  await app.shot("runs-and-errors");
});
