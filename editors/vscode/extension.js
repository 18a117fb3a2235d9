// Starts `rbk lsp` for .rbk files. Plain CommonJS: no build step.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("rbk");
  const command = config.get("path") || "rbk";
  const site = config.get("site");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "rbk",
    "rbk",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "rbk" }],
      initializationOptions: site ? { site } : {},
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
