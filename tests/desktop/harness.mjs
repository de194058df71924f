// Starts what the desktop end-to-end test needs: a virtual display when there is none, a
// fresh data folder, tauri-driver (which drives WebKitWebDriver, which starts the app), and a
// WebDriver session on the app's window. Screenshots go under target/desktop-e2e/.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where the screenshots of a run are written. */
export const SHOTS = join(root, "target", "desktop-e2e");

/** The app built by `tauri build --debug --no-bundle` (in CARGO_TARGET_DIR when set), unless
 * COUPLET_APP names another. */
export function appPath() {
  return process.env.COUPLET_APP ?? resolve(targetDir(), "debug", "couplet-desktop");
}

/** The `couplet` command-line tool of the same debug build. */
export function cliPath() {
  return resolve(targetDir(), "debug", "couplet");
}

function targetDir() {
  return process.env.CARGO_TARGET_DIR ?? join(root, "target");
}

/** A loopback port nothing listens on now, so parallel runs never share a driver. */
function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Starts Xvfb on the first free display; resolves to the child and its `:N` name. */
export function startDisplay() {
  const xvfb = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x860x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "ignore", "pipe"],
  });
  return new Promise((done, fail) => {
    let text = "";
    xvfb.stdio[3].on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) {
        done({ xvfb, display: `:${text.trim()}` });
      }
    });
    xvfb.once("error", fail);
    xvfb.once("exit", (code) => fail(new Error(`Xvfb exited with ${code}`)));
  });
}

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((done, fail) => {
    const attempt = () => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.end();
        done();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) {
          fail(new Error(`nothing listens on port ${port} after ${timeoutMs} ms`));
        } else {
          setTimeout(attempt, 100);
        }
      });
    };
    attempt();
  });
}

/**
 * Starts the display, the driver and the app on a fresh data folder (or `dataDir`, kept);
 * resolves to `{ browser, shot, stop }`: `shot(name)` saves a screenshot once the window has
 * painted, `stop()` ends everything.
 */
export async function launch({ dataDir: given, args = [] } = {}) {
  const children = [];
  const env = { ...process.env };
  if (!env.DISPLAY) {
    const { xvfb, display } = await startDisplay();
    children.push(xvfb);
    env.DISPLAY = display;
  }
  const dataDir = given ?? mkdtempSync(join(tmpdir(), "couplet-e2e-"));
  env.COUPLET_DATA_DIR = dataDir;
  const [port, nativePort] = [await freePort(), await freePort()];
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(driver);
  const stopAll = () => {
    for (const child of children.reverse()) {
      child.kill("SIGTERM");
    }
    if (!given) {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    await waitForPort(port, 15_000);
    const browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "warn",
      capabilities: {
        "tauri:options": { application: appPath(), args },
        "wdio:enforceWebDriverClassic": true,
      },
    });
    mkdirSync(SHOTS, { recursive: true });
    let count = 0;
    const shot = async (name) => {
      // Pixels can lag the DOM on the first paint: wait two frames and a little more.
      await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
      await new Promise((r) => setTimeout(r, 300));
      count += 1;
      const file = join(SHOTS, `${String(count).padStart(2, "0")}-${name}.png`);
      writeFileSync(file, Buffer.from(await browser.takeScreenshot(), "base64"));
      return file;
    };
    const stop = async () => {
      await browser.deleteSession().catch(() => undefined);
      stopAll();
    };
    return { browser, shot, stop, env };
  } catch (e) {
    stopAll();
    throw e;
  }
}
