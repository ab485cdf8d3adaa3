package org.sparkmec.engine.nn;

import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.ConvAutoTable;
import org.sparkmec.engine.conv.ConvStats;
import org.sparkmec.engine.conv.Convolution;
import org.sparkmec.engine.conv.Im2colConvolution;
import org.sparkmec.engine.conv.MecConvolution;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 2-D convolution with bias over NHWC activations: weight HWIO {@code k_h x k_w x i_c x k_c}, bias
 * {@code k_c}. The algorithm is MEC, im2col, or chosen at the first forward pass ({@link ConvAlgorithmChoice#AUTO}:
 * MEC unless im2col is measured faster on that batch and its workspace fits the budget; the measurement is kept in
 * the backend's {@link ConvAutoTable} and reused); the choice is logged once.
 */
public final class Conv2dLayer extends WeightedLayer {
    private static final Logger LOG = LoggerFactory.getLogger(Conv2dLayer.class);

    /**
     * @param inChannels i_c
     * @param filters    k_c
     */
    public record Config(String name, int inChannels, int filters, int kernelH, int kernelW, Conv2dParams params,
                         ConvAlgorithmChoice algorithm, boolean bias, WeightInit init) {
        public Config {
            Objects.requireNonNull(name, "name");
            if (inChannels < 1 || filters < 1 || kernelH < 1 || kernelW < 1) {
                throw new IllegalArgumentException("layer " + name + ": channels, filters and kernel must be positive, got i_c="
                        + inChannels + " filters=" + filters + " kernel " + kernelH + "x" + kernelW);
            }
            Objects.requireNonNull(params, "params");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(init, "init");
        }
    }

    private final Backend backend;
    private final Config config;
    private final MecConvolution mec;
    private final Im2colConvolution im2col;
    private final long workspaceBudgetBytes;
    private Convolution chosen;
    private Tensor input;
    private long workspaceBytes;
    private long im2colWorkspaceBytes;

    /**
     * @param workspaceBudgetBytes the most workspace {@link ConvAlgorithmChoice#AUTO} lets im2col use
     * @param seed                 the run's seed; the weights come from it and the layer's name
     */
    public Conv2dLayer(Backend backend, Config config, MecOptions mecOptions, long workspaceBudgetBytes, long seed) {
        super(backend, Parameters.of(backend, config.name() + ".weight", Layout.HWIO, config.kernelH(), config.kernelW(),
                config.inChannels(), config.filters()),
                config.bias() ? Parameters.of(backend, config.name() + ".bias", Layout.VECTOR, config.filters()) : null);
        this.backend = Objects.requireNonNull(backend, "backend");
        this.config = config;
        this.mec = new MecConvolution(backend, config.params(), mecOptions);
        this.im2col = new Im2colConvolution(backend, config.params());
        this.workspaceBudgetBytes = workspaceBudgetBytes;
        int fanIn = config.kernelH() * config.kernelW() * config.inChannels();
        config.init().fill(weight.value(), fanIn, config.kernelH() * config.kernelW() * config.filters(),
                WeightInit.layerSeed(seed, config.name()));
        if (config.algorithm() == ConvAlgorithmChoice.MEC) {
            chosen = mec;
        } else if (config.algorithm() == ConvAlgorithmChoice.IM2COL) {
            chosen = im2col;
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String type() {
        return "conv2d";
    }

    public Config config() {
        return config;
    }

    /**
     * Fixes the algorithm (a resumed run restores the choice {@link ConvAlgorithmChoice#AUTO} made before).
     *
     * @throws IllegalArgumentException if the layer was declared with the other algorithm
     */
    public void useAlgorithm(org.sparkmec.engine.conv.ConvAlgorithm algorithm) {
        Convolution next = switch (algorithm) {
            case MEC -> mec;
            case IM2COL -> im2col;
            case DIRECT -> throw new IllegalArgumentException("layer " + name() + ": direct is a test oracle, not a layer algorithm");
        };
        if (config.algorithm() != ConvAlgorithmChoice.AUTO && !config.algorithm().name().equals(algorithm.name())) {
            throw new IllegalArgumentException("layer " + name() + " is declared " + config.algorithm() + ", cannot use "
                    + algorithm);
        }
        chosen = next;
    }

    /** The algorithm in use, or null before an {@link ConvAlgorithmChoice#AUTO} layer's first forward pass. */
    public Convolution convolution() {
        return chosen;
    }

    private ConvGeometry geometry(int[] inputDims) {
        if (inputDims.length != 4) {
            throw new IllegalArgumentException("layer " + name() + " (conv2d) needs an NHWC input (n, h, w, c), got "
                    + Arrays.toString(inputDims));
        }
        if (inputDims[3] != config.inChannels()) {
            throw new IllegalArgumentException("layer " + name() + " (conv2d) expects " + config.inChannels()
                    + " input channels, got " + inputDims[3] + " in " + Arrays.toString(inputDims));
        }
        Conv2dParams p = config.params();
        try {
            return new ConvGeometry(inputDims[0], inputDims[1], inputDims[2], inputDims[3], config.kernelH(),
                    config.kernelW(), config.filters(), p.strideH(), p.strideW(), p.padH(), p.padW());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + name() + " (conv2d): " + e.getMessage(), e);
        }
    }

    @Override
    public int[] outputDims(int[] inputDims) {
        return geometry(inputDims).outputDims();
    }

    @Override
    public Tensor forward(Tensor in, Mode mode) {
        ConvGeometry g = geometry(in.dims());
        Tensor out = output.get(Layout.NHWC, g.outputDims());
        Tensor b = bias == null ? null : bias.value();
        if (chosen == null) {
            chosen = choose(g, in, b, out);
        }
        ConvStats stats = chosen.forward(in, weight.value(), b, out);
        workspaceBytes = Math.max(workspaceBytes, stats.workspaceBytes());
        im2colWorkspaceBytes = Math.max(im2colWorkspaceBytes, im2col.backwardWorkspaceBytes(g));
        this.input = in;
        return out;
    }

    /**
     * {@link ConvAlgorithmChoice#AUTO}: MEC unless im2col fits the budget and is measured faster on this batch. The
     * measurement is made once per backend, geometry and budget and kept in the backend's {@link ConvAutoTable}
     * ({@code spark.mec.conv.autoTable}): later layers, later runs and other processes sharing the table take the
     * recorded decision instead of measuring again, so that runs with the same seed choose alike.
     */
    private Convolution choose(ConvGeometry g, Tensor in, Tensor b, Tensor out) {
        long im2colBytes = Math.max(im2col.forwardWorkspaceBytes(g), im2col.backwardWorkspaceBytes(g));
        if (im2colBytes > workspaceBudgetBytes) {
            LOG.info("{}: auto chose mec: im2col would need {} B of workspace, over the budget of {} B (mec: {} B)",
                    name(), im2colBytes, workspaceBudgetBytes, mec.backwardWorkspaceBytes(g));
            return mec;
        }
        ConvAutoTable table = ConvAutoTable.of(backend);
        ConvAutoTable.Decision d = table.decide(ConvAutoTable.key(backend, g, workspaceBudgetBytes),
                () -> measure(in, b, out));
        LOG.info(String.format(Locale.ROOT, "%s: auto chose %s for %s (%s: forward mec %.3f ms, im2col %.3f ms, "
                        + "measured %s; workspace mec %d B, im2col %d B, budget %d B)", name(), d.algorithm().configName(),
                g, d.source(), d.mecMillis(), d.im2colMillis(), d.measuredAt(), mec.backwardWorkspaceBytes(g),
                im2colBytes, workspaceBudgetBytes));
        return d.algorithm() == ConvAlgorithm.IM2COL ? im2col : mec;
    }

    /** Times both algorithms' forward on this batch: one warm-up each, then the best of 3 alternating calls each. */
    private ConvAutoTable.Decision measure(Tensor in, Tensor b, Tensor out) {
        forwardMillis(mec, in, b, out);
        forwardMillis(im2col, in, b, out);
        double mecMs = Double.MAX_VALUE;
        double im2colMs = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            mecMs = Math.min(mecMs, forwardMillis(mec, in, b, out));
            im2colMs = Math.min(im2colMs, forwardMillis(im2col, in, b, out));
        }
        return new ConvAutoTable.Decision(im2colMs < mecMs ? ConvAlgorithm.IM2COL : ConvAlgorithm.MEC, mecMs, im2colMs,
                Instant.now(), "measured now");
    }

    private double forwardMillis(Convolution conv, Tensor in, Tensor b, Tensor out) {
        backend.synchronize();
        long t0 = System.nanoTime();
        conv.forward(in, weight.value(), b, out);
        backend.synchronize(); // an asynchronous backend (CUDA) has only queued the work
        return (System.nanoTime() - t0) / 1e6;
    }

    @Override
    public Tensor backward(Tensor gradOutput, boolean needInputGradient) {
        if (input == null) {
            throw new IllegalStateException("layer " + name() + ": backward before forward");
        }
        Tensor dIn = needInputGradient ? gradInput.get(Layout.NHWC, input.dims()) : null;
        ConvStats stats = chosen.backward(input, weight.value(), gradOutput, dIn, weight.gradient(),
                bias == null ? null : bias.gradient());
        workspaceBytes = Math.max(workspaceBytes, stats.workspaceBytes());
        return dIn;
    }

    @Override
    public LayerMemory memory() {
        return new LayerMemory(parameterBytes(), parameterBytes(), output.bytes() + gradInput.bytes(), workspaceBytes,
                im2colWorkspaceBytes);
    }
}
