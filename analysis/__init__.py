"""fastact's accuracy analysis: references, metrics, sweeps, the report and the studies.

Built on top of ``fastact`` (never the other way round).  ``references``: the mpmath
definitions, evaluated (the one place); ``rounding``: correct rounding to any format;
``oracle``: the float64 oracles and their validation; ``inputs``: the hard inputs;
``reference_values``: the values a sweep is measured against (oracle, settled by mpmath);
``metrics``: ULP error as JAX's ``docs/accuracy.md`` defines it; ``formats``/``bfloat16``:
the four formats; ``sweeps``/``exhaustive``/``approximation``/``peers``: what is measured;
``measurements``/``decision``/``report_text``/``html_page``/``plots``/``progress``/``report``/``cli``:
``fastact report`` (measuring, deciding, writing); ``circles``/``mlp``/``study``:
``fastact study circles``.
"""
