package org.sparkmec.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.GemmPlan;
import org.sparkmec.engine.backend.Transpose;
import org.sparkmec.engine.conv.MecConvolution;
import org.sparkmec.engine.conv.MecSolution;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.RandomFill;

/**
 * The forward GEMM calls alone: MEC's o_h windowed GEMMs (solution A), its i_n*o_h per-image GEMMs
 * (solution B), and im2col's single GEMM, for the same layer and FLOPs. Divide the layer's forward
 * GFLOP by the time for GFLOP/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GemmBenchmark {
    @Param({"cv1", "cv5", "cv8", "cv12"})
    public String layer;

    @Param({"mec-a", "mec-b", "im2col"})
    public String calls;

    private Backend backend;
    private FloatStorage lowered;
    private FloatStorage kernel;
    private FloatStorage output;
    private GemmPlan plan;

    @Setup
    public void setUp() {
        backend = LayerState.backend();
        ConvGeometry g = LayerState.layer(layer);
        kernel = backend.allocate(g.kernelElements());
        RandomFill.uniform(kernel, 2);
        output = backend.allocate(g.outputElements());
        if (calls.equals("im2col")) {
            lowered = backend.allocate(g.im2colElements());
            RandomFill.uniform(lowered, 1);
            int rows = g.batch() * g.outH() * g.outW();
            plan = GemmPlan.builder(Transpose.NONE, Transpose.NONE, rows, g.outC(), g.kernelRows())
                    .a(lowered, g.kernelRows()).b(kernel, g.outC()).c(output, g.outC()).add(0, 0, 0).build();
        } else {
            lowered = backend.allocate(g.mecLoweredElements());
            RandomFill.uniform(lowered, 1);
            plan = MecConvolution.windowPlan(g, lowered, kernel, output,
                    calls.equals("mec-a") ? MecSolution.A : MecSolution.B, 0, g.batch());
        }
    }

    @Benchmark
    public void gemm() {
        backend.gemm(plan);
    }

    @TearDown
    public void tearDown() {
        lowered.close();
        kernel.close();
        output.close();
        backend.close();
    }
}
