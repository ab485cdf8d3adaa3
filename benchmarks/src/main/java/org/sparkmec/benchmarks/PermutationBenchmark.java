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
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.FloatStorage;
import org.sparkmec.engine.tensor.RandomFill;

/**
 * Solution A's epilogue: copying O' (h-n-w-c) into L's dead buffer and permuting it back into O
 * (n-h-w-c), with the bias fused or not; and the plain bias pass that solution B and im2col pay.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PermutationBenchmark {
    @Param({"cv1", "cv5", "cv9", "cv12"})
    public String layer;

    private Backend backend;
    private ConvGeometry g;
    private FloatStorage output;
    private FloatStorage scratch;
    private FloatStorage bias;

    @Setup
    public void setUp() {
        backend = LayerState.backend();
        g = LayerState.layer(layer);
        output = backend.allocate(g.outputElements());
        RandomFill.uniform(output, 1);
        scratch = backend.allocate(g.outputElements());
        bias = backend.allocate(g.outC());
        RandomFill.uniform(bias, 2);
    }

    @Benchmark
    public void copyThenPermute() {
        backend.kernels().copy(output, 0, scratch, 0, g.outputElements());
        backend.kernels().swapOuterDimensions(scratch, output, g.outH(), g.batch(), (long) g.outW() * g.outC(), null);
    }

    @Benchmark
    public void copyThenPermuteAddingBias() {
        backend.kernels().copy(output, 0, scratch, 0, g.outputElements());
        backend.kernels().swapOuterDimensions(scratch, output, g.outH(), g.batch(), (long) g.outW() * g.outC(), bias);
    }

    @Benchmark
    public void biasOnly() {
        backend.kernels().addBias(output, (long) g.batch() * g.outH() * g.outW(), g.outC(), bias);
    }

    @TearDown
    public void tearDown() {
        output.close();
        scratch.close();
        bias.close();
        backend.close();
    }
}
