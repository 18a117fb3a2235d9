"""pytest-lsp drives the `rbk` binary cargo built (RBK_BIN, else
target/debug/rbk) through the protocol, as an editor does."""
import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

REPO = pathlib.Path(__file__).resolve().parents[2]
RBK = os.environ.get("RBK_BIN") or str(REPO / "target" / "debug" / "rbk")

if not os.access(RBK, os.X_OK):
    # A missing binary is a failure, never a skip.
    raise RuntimeError(f"no rbk binary at {RBK}: run `cargo build` first or set RBK_BIN")

CAPABILITIES = types.ClientCapabilities(
    text_document=types.TextDocumentClientCapabilities(
        hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        completion=types.CompletionClientCapabilities(
            completion_item=types.ClientCompletionItemOptions(
                documentation_format=[types.MarkupKind.Markdown],
            )
        ),
        document_symbol=types.DocumentSymbolClientCapabilities(
            hierarchical_document_symbol_support=True
        ),
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
            related_information=True, code_description_support=True
        ),
        code_action=types.CodeActionClientCapabilities(
            code_action_literal_support=types.ClientCodeActionLiteralOptions(
                code_action_kind=types.ClientCodeActionKindOptions(
                    value_set=[types.CodeActionKind.QuickFix]
                )
            )
        ),
    )
)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[RBK, "lsp"]))
async def client(lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=CAPABILITIES,
        root_uri=REPO.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=REPO.as_uri(), name="rbk")],
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()
