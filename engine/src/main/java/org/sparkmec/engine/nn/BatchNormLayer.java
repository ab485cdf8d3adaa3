package org.sparkmec.engine.nn;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;

/**
 * Batch normalisation (Ioffe &amp; Szegedy, ICML 2015) per channel of NHWC activations {@code (n, h, w, c)}, or
 * per feature of MATRIX activations {@code (n, c)}: {@code y = gamma * (x - mean) / sqrt(variance + epsilon) + beta},
 * the statistics taken over the {@code n*h*w} values of each channel.
 *
 * <p>Parameters, each a VECTOR of {@code c}: {@code <name>.gamma} (starts at 1) and {@code <name>.beta} (0),
 * trainable; {@code <name>.running_mean} (0) and {@code <name>.running_mean_square} (1), {@link Parameter.Kind#STATE}.
 * <ul>
 *   <li>{@link Mode#TRAIN} normalises with the batch's mean and biased variance; the backward pass writes the
 *       gradients of gamma and beta, dLoss/dInput through the batch statistics, and as the running statistics'
 *       "gradients" their change for this batch: {@code momentum * (batch mean - running_mean)} and
 *       {@code momentum * (batch mean of x^2 - running_mean_square)}. Both are linear in the batch's statistics,
 *       so averaging the changes of several workers, weighted by their images, gives exactly the change of
 *       their union as one batch; the owner of the model adds the (averaged) change to the value.</li>
 *   <li>{@link Mode#EVAL} normalises with {@code mean = running_mean} and
 *       {@code variance = max(0, running_mean_square - running_mean^2)}; no backward pass.</li>
 * </ul>
 * Keeping the running mean of {@code x^2} rather than of the batch variances (PyTorch keeps the unbiased batch
 * variances) makes the inference variance include the spread of the batch means, i.e. estimate the variance of
 * the whole data rather than the mean variance within a batch; it is what makes the update linear.
 */
public final class BatchNormLayer implements Layer {
    /** The running statistics' momentum (the weight of the newest batch) unless configured, as in PyTorch. */
    public static final double DEFAULT_MOMENTUM = 0.1;
    /** Added to the variance before the square root unless configured, as in PyTorch. */
    public static final double DEFAULT_EPSILON = 1e-5;

    private final Backend backend;
    private final String name;
    private final int channels;
    private final float momentum;
    private final float epsilon;
    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningMeanSquare;
    private final List<Parameter> parameters;
    private final Tensor mean;
    private final Tensor variance;
    private final LayerBuffers output;
    private final LayerBuffers gradInput;
    private Tensor input;
    private boolean trained;

    /**
     * @param momentum in (0, 1]
     * @param epsilon  &gt; 0
     */
    public BatchNormLayer(Backend backend, String name, int channels, double momentum, double epsilon) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.name = Objects.requireNonNull(name, "name");
        if (channels < 1) {
            throw new IllegalArgumentException("layer " + name + " (batchnorm): channels must be at least 1, got " + channels);
        }
        if (!(momentum > 0 && momentum <= 1)) {
            throw new IllegalArgumentException("layer " + name + " (batchnorm): momentum must be in (0, 1], got " + momentum);
        }
        if (!(epsilon > 0 && Double.isFinite(epsilon))) {
            throw new IllegalArgumentException("layer " + name + " (batchnorm): epsilon must be positive, got " + epsilon);
        }
        this.channels = channels;
        this.momentum = (float) momentum;
        this.epsilon = (float) epsilon;
        this.gamma = Parameters.of(backend, name + ".gamma", Layout.VECTOR, channels);
        this.beta = Parameters.of(backend, name + ".beta", Layout.VECTOR, channels);
        this.runningMean = Parameters.of(backend, name + ".running_mean", Parameter.Kind.STATE, Layout.VECTOR, channels);
        this.runningMeanSquare = Parameters.of(backend, name + ".running_mean_square", Parameter.Kind.STATE,
                Layout.VECTOR, channels);
        this.parameters = List.of(gamma, beta, runningMean, runningMeanSquare);
        Parameters.fill(gamma, 1f);
        Parameters.fill(runningMeanSquare, 1f);
        this.mean = Tensor.zeros(backend, Layout.VECTOR, channels);
        this.variance = Tensor.zeros(backend, Layout.VECTOR, channels);
        this.output = new LayerBuffers(backend);
        this.gradInput = new LayerBuffers(backend);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "batchnorm";
    }

    public int channels() {
        return channels;
    }

    @Override
    public int[] outputDims(int[] inputDims) {
        if ((inputDims.length != 4 && inputDims.length != 2) || inputDims[inputDims.length - 1] != channels) {
            throw new IllegalArgumentException("layer " + name + " (batchnorm) expects NHWC (n, h, w, " + channels
                    + ") or (n, " + channels + ") activations, got " + Arrays.toString(inputDims));
        }
        return inputDims.clone();
    }

    @Override
    public Tensor forward(Tensor in, Mode mode) {
        outputDims(in.dims());
        Tensor out = output.get(in.layout(), in.dims());
        long rows = in.numElements() / channels;
        if (mode == Mode.TRAIN) {
            backend.nnKernels().channelMeanVariance(in.storage(), rows, channels, mean.storage(), variance.storage());
        } else {
            backend.kernels().copy(runningMean.value().storage(), 0, mean.storage(), 0, channels);
            backend.nnKernels().runningVariance(runningMean.value().storage(), runningMeanSquare.value().storage(),
                    channels, variance.storage());
        }
        backend.nnKernels().batchNormForward(in.storage(), rows, channels, mean.storage(), variance.storage(), epsilon,
                gamma.value().storage(), beta.value().storage(), out.storage());
        input = in;
        trained = mode == Mode.TRAIN;
        return out;
    }

    @Override
    public Tensor backward(Tensor gradOutput, boolean needInputGradient) {
        if (input == null) {
            throw ParameterFreeLayer.backwardBeforeForward(name);
        }
        if (!trained) {
            throw new IllegalStateException("layer " + name + " (batchnorm): backward after an evaluation forward pass;"
                    + " the backward pass needs the batch statistics of a training pass");
        }
        Tensor dIn = needInputGradient ? gradInput.get(input.layout(), input.dims()) : null;
        long rows = input.numElements() / channels;
        backend.nnKernels().batchNormBackward(input.storage(), gradOutput.storage(), rows, channels, mean.storage(),
                variance.storage(), epsilon, gamma.value().storage(), dIn == null ? null : dIn.storage(),
                gamma.gradient().storage(), beta.gradient().storage());
        backend.nnKernels().runningStatisticsDelta(mean.storage(), variance.storage(), runningMean.value().storage(),
                runningMeanSquare.value().storage(), momentum, channels, runningMean.gradient().storage(),
                runningMeanSquare.gradient().storage());
        return dIn;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * Weights: gamma, beta and the running statistics (they travel with the weights); gradients: the same sizes
     * (the running statistics' changes); activations: output, input gradient and the batch mean and variance.
     */
    @Override
    public LayerMemory memory() {
        long held = 0;
        for (Parameter p : parameters) {
            held += p.value().byteSize();
        }
        return new LayerMemory(held, held, output.bytes() + gradInput.bytes() + mean.byteSize() + variance.byteSize(),
                0, 0);
    }

    @Override
    public void close() {
        output.close();
        gradInput.close();
        mean.close();
        variance.close();
        for (Parameter p : parameters) {
            p.value().close();
            p.gradient().close();
        }
    }
}
