"""fastact's accuracy analysis: references, metrics, sweeps, the report and the studies.

Built on top of ``fastact`` (never the other way round).  ``references``/``exact``/
``oracle``: mpmath definitions, correct rounding, the validated float64 oracles;
``metrics``: ULP error as JAX's ``docs/accuracy.md`` defines it; ``formats``/``bfloat16``:
the four formats; ``sweeps``/``exhaustive``/``approximation``/``peers``: what is measured;
``report``/``plots``/``cli``: ``fastact report``; ``circles``/``mlp``/``study``:
``fastact study circles``.
"""
