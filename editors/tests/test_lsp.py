"""`rbk lsp` end to end: the messages an editor sends, and what it shows."""
from lsprotocol import types
from pytest_lsp import LanguageClient

from conftest import REPO

LB_REPAIR = REPO / "procedures" / "lb-repair.rbk"
COMMON = REPO / "procedures" / "common.rbk"


def position(text: str, needle: str, at: int = 0, nth: int = 0) -> types.Position:
    """The position `at` characters into the `nth` occurrence of `needle`."""
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    idx += at
    line = text.count("\n", 0, idx)
    return types.Position(line=line, character=idx - (text.rfind("\n", 0, idx) + 1))


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def open_doc(client: LanguageClient, path, text=None) -> str:
    text = path.read_text() if text is None else text
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="rbk", version=1, text=text)
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri


async def change(client: LanguageClient, uri: str, version: int, text: str):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


def unbounded(text: str) -> str:
    return text.replace('every 10s max 60 {', 'every 10s {')


async def test_diagnostics_follow_the_edits(client: LanguageClient):
    text = LB_REPAIR.read_text()
    uri = await open_doc(client, LB_REPAIR)
    assert not client.diagnostics[uri]

    await change(client, uri, 2, unbounded(text))
    [d] = client.diagnostics[uri]
    assert d.code == "RBK401"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.source == "rbk"
    # The code's page in the book (built, or its source), as `rbk check` links it.
    assert d.code_description.href.rsplit("/", 2)[-2:] in (
        ["diagnostics", "RBK401.html"],
        ["diagnostics", "RBK401.md"],
    ), d.code_description.href
    assert d.range.start == position(text, 'poll "failover of')
    assert "help: bound it" in d.message

    # A broken file (half a keystroke) still gets its syntax error.
    await change(client, uri, 3, text[: text.index("needs headroom") + 6])
    assert [d.code for d in client.diagnostics[uri]] == ["RBK001"]

    await change(client, uri, 4, text)
    assert not client.diagnostics[uri]


async def test_related_spans_are_sent(client: LanguageClient):
    text = LB_REPAIR.read_text().replace(
        'step failover "5c.', 'step headroom "5c.'
    )
    uri = await open_doc(client, LB_REPAIR, text)
    dup = [d for d in client.diagnostics[uri] if d.code == "RBK103"]
    assert dup, client.diagnostics[uri]
    messages = [r.message for r in dup[0].related_information]
    assert "first declared here" in messages or any("first" in m for m in messages), messages


async def test_users_of_an_edited_file_are_checked_again(client: LanguageClient):
    lb = await open_doc(client, LB_REPAIR)
    common = await open_doc(client, COMMON)
    text = COMMON.read_text().replace("admin_openrc", "admin_rc")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=common, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    for _ in range(10):
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if client.diagnostics.get(lb):
            break
    assert {d.code for d in client.diagnostics[lb]} == {"RBK107"}


async def test_hover(client: LanguageClient):
    text = LB_REPAIR.read_text()
    uri = await open_doc(client, LB_REPAIR)

    async def hover(needle, at=0, nth=0):
        h = await client.text_document_hover_async(
            types.HoverParams(text_document=doc(uri), position=position(text, needle, at, nth))
        )
        assert h is not None, needle
        return h.contents.value

    failover = await hover("openstack.loadbalancer.failover", at=25)
    assert "`openstack.loadbalancer.failover(id: str)`" in failover
    assert "effect: **exclusive**" in failover
    assert "scope: `openstack`" in failover
    assert "layer: `lb`" in failover

    openrc = await hover("site.admin_openrc", at=6)
    assert "**site field** `admin_openrc: str" in openrc
    assert "Admin credentials" in openrc
    assert 'capi-mgmt.toml: `"~/admin-openrc"`' in openrc

    gate = await hover("needs headroom", at=8)
    assert "gate headroom: 5b. Headroom for one more amphora" in gate

    status = await hover("lb.provisioning_status", at=5)
    assert "**field** `LoadBalancer.provisioning_status: str`" in status

    hosts = await hover("foreach h in hosts", at=14)
    assert "**let** `hosts`" in hosts
    assert "type: `list[Hypervisor]`" in hosts


async def test_definition_and_references(client: LanguageClient):
    text = LB_REPAIR.read_text()
    uri = await open_doc(client, LB_REPAIR)

    loc = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(uri), position=position(text, "needs headroom", 8))
    )
    assert loc.uri == uri
    assert loc.range.start == position(text, 'gate headroom', 5)

    loc = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(uri), position=position(text, "site.admin_openrc", 7))
    )
    common = COMMON.read_text()
    assert loc.uri == COMMON.as_uri()
    assert loc.range.start == position(common, "admin_openrc:")

    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(uri),
            position=position(text, "gate headroom", 5),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert [r.range.start for r in refs] == [
        position(text, "gate headroom", 5),
        position(text, "needs headroom", 6),
    ]

    # A let used in later statements.
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(uri),
            position=position(text, "let fits", 4),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert len(refs) == 2


async def complete(client, uri, pos):
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc(uri), position=pos)
    )
    items = result.items if hasattr(result, "items") else result
    return [i.label for i in items]


async def test_completion(client: LanguageClient):
    text = LB_REPAIR.read_text()
    uri = await open_doc(client, LB_REPAIR)

    # As typed: each edit leaves the file broken.
    anchor = "      log \"{len(broken)} load balancer(s) in provisioning ERROR\"\n"
    cut = text.index(anchor) + len(anchor)

    async def typed(fragment, version):
        edited = text[:cut] + fragment + "\n" + text[cut:]
        await change(client, uri, version, edited)
        return await complete(client, uri, position(edited, fragment, len(fragment)))

    labels = await typed("      openstack.", 2)
    assert {"server", "loadbalancer", "hypervisor"} <= set(labels), labels
    labels = await typed("      openstack.loadbalancer.", 3)
    assert {"list", "show", "failover", "amphora"} <= set(labels), labels
    labels = await typed("      log site.", 4)
    assert {"admin_openrc", "amphora_image"} <= set(labels), labels
    labels = await typed("      log broken.", 5)
    assert labels == [], labels  # a list has no fields
    # A `let` the file has parsed with, then a use of it being typed.
    await typed("      let one = openstack.loadbalancer.show(\"x\")", 6)
    labels = await typed("      let one = openstack.loadbalancer.show(\"x\")\n      log \"{one.", 7)
    assert {"provisioning_status", "operating_status", "id"} <= set(labels), labels
    labels = await typed("      ", 8)
    assert {"poll", "scope", "let", "require", "confirm", "openstack", "site", "len"} <= set(labels)

    edited = text.replace("needs headroom", "needs ")
    await change(client, uri, 9, edited)
    labels = await complete(client, uri, position(edited, "needs ", 6))
    assert labels == ["headroom"], labels


async def test_document_symbols(client: LanguageClient):
    uri = await open_doc(client, LB_REPAIR)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(uri))
    )
    [proc] = symbols
    assert proc.name == "lb_repair"
    assert [(c.name, c.detail.split()[0]) for c in proc.children] == [
        ("sweep", "step"),
        ("headroom", "gate"),
        ("failover", "step"),
    ]


async def test_formatting_is_rbk_fmt(client: LanguageClient):
    text = LB_REPAIR.read_text()
    messy = text.replace("  step failover", "step   failover").replace("max 60 {", "max 60  {")
    uri = await open_doc(client, LB_REPAIR, messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc(uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    [edit] = edits
    assert edit.range.start == types.Position(line=0, character=0)
    assert edit.new_text == text

    await change(client, uri, 2, text)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc(uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert not edits


def apply(text: str, edits) -> str:
    lines = text.split("\n")

    def offset(p):
        return sum(len(line) + 1 for line in lines[: p.line]) + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


async def test_code_actions_fix(client: LanguageClient):
    text = unbounded(LB_REPAIR.read_text())
    uri = await open_doc(client, LB_REPAIR, text)
    [d] = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc(uri),
            range=d.range,
            context=types.CodeActionContext(diagnostics=[d]),
        )
    )
    [action] = actions
    assert action.kind == types.CodeActionKind.QuickFix
    # The bound covers the step's verified ~108 s with RBK412's margin:
    # 108 s x 1.25 / 10 s = 13.5, so 14 attempts.
    assert "max 14" in action.title
    fixed = apply(text, action.edit.changes[uri])
    assert 'every 10s max 14 {' in fixed
    await change(client, uri, 2, fixed)
    # The poll is bounded now (no RBK401), and not below its timing (no RBK412).
    assert [d.code for d in client.diagnostics[uri]] == []
