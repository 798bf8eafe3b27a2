"""Dataset tools: citation and charge parsers, loaders of LeCaRD v1/v2, CAIL2018 and generic JSONL
corpora into :mod:`lcr.records`, and the bundled LeCaRD sample.

* :mod:`data_tools.citations` — ``parse_citations``, ``criminal_articles``, ``cn_numeral_to_int``
* :mod:`data_tools.charges` — ``extract_charges``, ``normalise_charge``, ``normalise_cail_charge``
* :mod:`data_tools.lecard`, :mod:`data_tools.lecardv2`, :mod:`data_tools.cail2018`, :mod:`data_tools.jsonl`
  — loaders; bad input is handled as described in :mod:`data_tools.loading`
* :mod:`data_tools.make_sample` — writes ``data_tools/sample/lecard``
"""
