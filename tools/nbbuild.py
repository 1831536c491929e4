"""Developer helper: write a notebook from a compact Python description (outputs stripped).

Usage inside a build script: ``write(path, meta, cells)`` where cells are
``("md", text)`` or ``("code", text)`` or ``("code", text, ["tag"])``.
The committed .ipynb files are the source of truth; this only saves typing JSON.
"""

from __future__ import annotations

import nbformat


def write(path, meta: dict, cells: list) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["scm"] = meta
    for c in cells:
        kind, text = c[0], c[1].strip("\n")
        tags = c[2] if len(c) > 2 else []
        cell = (
            nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text)
        )
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i:02d}"
    nbformat.write(nb, str(path))
