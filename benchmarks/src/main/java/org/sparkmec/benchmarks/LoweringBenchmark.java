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

/** MEC's lowering against im2col's, same layer and input: the data-movement half of the forward pass. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoweringBenchmark {
    @Param({"cv1", "cv5", "cv8", "cv12"})
    public String layer;

    @Param({"mec", "im2col"})
    public String lowering;

    private Backend backend;
    private ConvGeometry g;
    private FloatStorage input;
    private FloatStorage lowered;

    @Setup
    public void setUp() {
        backend = LayerState.backend();
        g = LayerState.layer(layer);
        input = backend.allocate(g.inputElements());
        RandomFill.uniform(input, 1);
        lowered = backend.allocateForOverwrite(lowering.equals("mec") ? g.mecLoweredElements() : g.im2colElements());
    }

    @Benchmark
    public void lower() {
        if (lowering.equals("mec")) {
            backend.kernels().lowerMec(input, g, lowered);
        } else {
            backend.kernels().im2col(input, g, lowered);
        }
    }

    @TearDown
    public void tearDown() {
        lowered.close();
        input.close();
        backend.close();
    }
}
