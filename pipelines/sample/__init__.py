"""Sample portfolio generator: a synthetic landing folder that follows docs/spec/data-contract.md.

    from pipelines.sample import write_sample
    write_sample("data/landing", accounts=20_000, months=24, seed=7, fmt="csv")

See docs/sample-model.md for the behavioural model, the determinism guarantee and measured timings.
"""

from .simulate import write_sample

__all__ = ["write_sample"]
