"""How a build goes fast, apart from what it makes: forked processes and pools
(parallel.py), work shared out between them (chunks.py), stopping them cleanly on Ctrl-C
(interrupt.py), a shared store of rendered pieces (shelf.py), and allocator and
garbage-collector settings (heap.py, collector.py).

Domain modules (parse, validate, model, render, feeds, site, dataset, release...) never
import this package (tests/test_architecture.py checks); the pipeline and the article store use
it, with the knobs of tuning.Tuning.
"""
