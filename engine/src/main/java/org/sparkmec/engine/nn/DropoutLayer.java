package org.sparkmec.engine.nn;

import java.util.SplittableRandom;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Inverted dropout: in training each element is kept with probability {@code 1 - rate} and scaled by
 * {@code 1 / (1 - rate)}; evaluation is the identity. The mask of training pass number k comes from
 * (seed, layer name, k), so a run resumed at pass k draws the same masks as an uninterrupted one
 * ({@link #passes()} / {@link #setPasses(long)}).
 */
public final class DropoutLayer extends ParameterFreeLayer {
    private final double rate;
    private final long seed;
    private final LayerBuffers mask;
    private long passes;
    private Tensor input;
    private boolean masked;

    public DropoutLayer(Backend backend, String name, double rate, long seed) {
        super(backend, name);
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("layer " + name + " (dropout): rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
        this.seed = WeightInit.layerSeed(seed, name);
        this.mask = new LayerBuffers(backend);
    }

    @Override
    public String type() {
        return "dropout";
    }

    /** Training passes done so far (the position in the mask sequence). */
    public long passes() {
        return passes;
    }

    public void setPasses(long passes) {
        this.passes = passes;
    }

    @Override
    public int[] outputDims(int[] inputDims) {
        return inputDims.clone();
    }

    @Override
    public Tensor forward(Tensor in, Mode mode) {
        Tensor out = output.get(in.layout(), in.dims());
        input = in;
        masked = mode == Mode.TRAIN && rate > 0;
        if (!masked) {
            backend.kernels().copy(in.storage(), 0, out.storage(), 0, in.numElements());
            return out;
        }
        Tensor m = mask.get(in.layout(), in.dims());
        SplittableRandom rnd = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * ++passes);
        float keep = (float) (1 / (1 - rate));
        float[] values = new float[Math.toIntExact(in.numElements())];
        for (int i = 0; i < values.length; i++) {
            values[i] = rnd.nextDouble() < rate ? 0f : keep;
        }
        m.copyFrom(values);
        backend.nnKernels().multiply(in.storage(), m.storage(), out.storage(), in.numElements());
        return out;
    }

    @Override
    public Tensor backward(Tensor gradOutput, boolean needInputGradient) {
        Tensor dIn = inputGradient(input, needInputGradient);
        if (dIn == null) {
            return null;
        }
        if (masked) {
            backend.nnKernels().multiply(gradOutput.storage(), mask.get(input.layout(), input.dims()).storage(),
                    dIn.storage(), input.numElements());
        } else {
            backend.kernels().copy(gradOutput.storage(), 0, dIn.storage(), 0, input.numElements());
        }
        return dIn;
    }

    @Override
    public LayerMemory memory() {
        LayerMemory base = super.memory();
        return new LayerMemory(0, 0, base.activationsBytes() + mask.bytes(), 0, 0);
    }

    @Override
    public void close() {
        super.close();
        mask.close();
    }
}
