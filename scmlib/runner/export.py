"""In-process HTML export of an executed notebook: no code, no prompts, offline-viewable."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat

TEMPLATES = Path(__file__).resolve().parent.parent / "reporting" / "templates"
HIDDEN_TAGS = {"parameters", "injected-parameters", "hide", "papermill-error-cell-tag"}


def _clean(nb: nbformat.NotebookNode, title: str, error: str | None) -> nbformat.NotebookNode:
    """Keep only the outputs of code cells (the Report blocks): no parameter cells, no markdown
    narrative (it is for the analyst in JupyterLab), no stderr streams or tracebacks; add the error
    banner of a failed run."""
    from scmlib.reporting import error_banner

    cells = []
    source_cells = [
        c for c in nb.cells if not set(c.get("metadata", {}).get("tags", [])) & HIDDEN_TAGS
    ]
    if (
        source_cells
        and source_cells[0].cell_type == "markdown"
        and source_cells[0].source.lstrip().startswith("# ")
    ):
        source_cells = source_cells[
            1:
        ]  # the notebook's own title cell: the report header replaces it
    for cell in source_cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & HIDDEN_TAGS or cell.cell_type != "code":
            continue  # markdown cells narrate the notebook for its analyst; the report is built by Report blocks
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and o.get("output_type") != "error"
            ]
        cells.append(cell)
    if error:
        banner = nbformat.v4.new_code_cell(
            source="",
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/html": error_banner(error)})
            ],
        )
        insert_at = 1 if cells and cells[0].cell_type == "markdown" else 0
        cells.insert(insert_at, banner)
    nb.cells = cells
    nb.metadata["title"] = title
    return nb


def export_html(notebook: Path, target: Path, title: str, error: str | None = None) -> Path:
    """Write ``target`` (HTML) from an executed notebook, atomically."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    nb = _clean(nb, title, error)
    exporter = HTMLExporter(
        template_name="scm",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": html.escape(title)}})
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(target)
    return target
