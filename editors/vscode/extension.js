// The hpcspec extension: the language (contributed in package.json: file type, grammar,
// comments and brackets) and a client of `hpcspec lsp`, which gives diagnostics as you type,
// hover and completion. The server is hpcspec itself, installed with its `lsp` extra; the
// command that starts it is the setting `hpcspec.server.command`.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function start() {
  const words = vscode.workspace.getConfiguration("hpcspec").get("server.command", ["hpcspec", "lsp"]);
  const [command, ...args] = words.length ? words : ["hpcspec", "lsp"];
  // no `transport`: the server talks on stdio by default (with TransportKind.stdio the client
  // would add `--stdio`, which `hpcspec lsp` accepts as well)
  const server = { command, args };
  const options = {
    documentSelector: [
      { scheme: "file", language: "hpcspec" },
      { scheme: "untitled", language: "hpcspec" },
    ],
    outputChannelName: "hpcspec",
  };
  client = new LanguageClient("hpcspec", "hpcspec", server, options);
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `hpcspec: cannot start \`${words.join(" ")}\` (${error.message || error}). ` +
      "Install hpcspec with its lsp extra (pip install 'hpcspec[lsp]'), or set hpcspec.server.command.");
  });
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("hpcspec.restartServer", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("hpcspec.server.command")) {
        await stop();
        await start();
      }
    }),
  );
  return start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
