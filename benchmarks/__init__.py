"""stepgrad's benchmarks: our engine, micrograd 0.1.0 and a numpy reference, side by side.

Run ``python -m benchmarks`` (``make bench``), ``--quick`` for a smoke run, ``--repeat N``;
``--profile`` shows where one step's time goes instead (phases, GC share, cProfile).

Workloads:

1. one training step of ``MLP(2, [16, 16, 1])`` on 100 moons points (forward, hinge loss,
   L2 1e-4, zero grads, backward, SGD), the graph built op by op exactly as micrograd's demo
   does, by one builder (``moons.loss_graph``) that takes the ``Value`` class, so both engines
   build the same nodes from the same weights;
2. the same step with our ``nn.MLP`` as a user calls it (one fused ``dot`` node per neuron,
   ``nn.losses.hinge`` and ``nn.losses.l2``);
   workloads 1 and 2 are also replayed from a tape (``autograd.Tape``): the graph recorded
   once, each step ``forward``, ``backward`` and the SGD update over lists of floats;
3. backward through a chain of 10^4, 10^5 and 10^6 ops, time per op (micrograd's recursive
   sort raises RecursionError, shown in its column; a 500-op chain compares the two);
4. bytes per graph node (tracemalloc) of workload 1's graph after forward and backward;
   and the bytes a tape of that graph keeps once the graph is gone;
5. gradcheck throughput on random programs from ``autograd.strategies.programs()``;
6. ``make demo``'s moons training (100 steps of ``fit``), replaying its tape and rebuilding.

Method:

- Correctness first: before anything is timed, our loss and every gradient must match
  micrograd's to 1e-9 (relative, or absolute below 1) on the same weights, for workload 1, for
  workload 2 with the weights copied into ``nn.MLP``, and for the numpy reference; micrograd's
  own ``MLP`` must give the builder's loss bit for bit and the same node count; the chains must
  match their closed-form gradients; workload 5's programs must all pass gradcheck. Any
  disagreement aborts the run (exit status 1).
- Garbage collector: micrograd's nodes are reference cycles (closures), ours are not, so the
  collector's work differs and is part of each engine's real cost. Every engine runs with the
  same, default GC settings; micrograd is timed a second time "tamed", as its best user would
  run it: the collector off during the step and one ``gc.collect()`` per step, timed (it frees
  the previous step's graph). Every row shows the ratio to both. Every sample starts with
  ``gc.collect()`` and ends, outside the timer, by dropping the result and collecting again,
  so no sample pays for another's garbage.
- Workloads 1 and 2 are judged in a loop: several steps in a row (three in a normal run),
  the previous graph alive while the next is built, as in micrograd's demo. That is the
  regime of the issue's baseline (micrograd "about 1.2 s" a step, "about two minutes" for
  100 steps). Fresh samples, one step after a collection, are shown too but carry no
  target: collecting the earlier steps' cyclic garbage first roughly halves micrograd's
  time, and leaves ours as it is.
- Timing: the process's CPU time (``time.process_time``) around whole steps. Everything timed
  runs on one thread (numpy's matrices here are too small for BLAS threads), so on an idle
  machine CPU time equals the wall-clock time; on a shared one it
  leaves out the time spent waiting for a core (the run ends with the wall/CPU ratio, to show
  how busy the machine was). A step faster than 20 ms (numpy) is timed as a loop of calls. The
  cases of a workload are interleaved round robin and every cell is the median of
  ``--repeat`` samples (default 5), so drift is spread over all engines, not charged to one.
- No test asserts a time: ``tests/test_benchmarks.py`` runs ``--quick`` for the gate and the
  table only.
"""

__all__: list[str] = []
