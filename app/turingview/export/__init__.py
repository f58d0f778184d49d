"""turingview.export: the analysis of a reader study, its tables, exports and report (the only pandas importer).

Entry point: :func:`turingview.export.analysis.run_analysis` (``turingview analyze``). Modules:

- ``ratings``: load and validate the long ratings table (CSV or records), errors naming the row;
- ``frames``: reshape it into the arrays :mod:`turingview.stats` takes;
- ``compute_detection``, ``compute_agreement``, ``compute_mrmc``: call the statistics, section by section;
- ``jsonsafe``: strict JSON (null plus a note instead of NaN); ``results.schema.json`` its JSON Schema;
- ``tables``, ``xlsx``: tidy CSV tables and the workbook; ``interop``: iMRMC and RJafroc files;
- ``plots``, ``report_model``, ``report_sections``, ``report_html``, ``report_pdf``: the report;
- ``study_inputs``: provenance and realism results of a stored study (fetched by the caller).

Nothing heavy is imported here, so importing the package stays cheap.
"""
