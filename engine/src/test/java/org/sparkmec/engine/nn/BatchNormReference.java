package org.sparkmec.engine.nn;

/**
 * Batch normalisation in double precision, straight from the definitions (Ioffe &amp; Szegedy 2015), over a
 * {@code rows x channels} row-major array: the oracle of the layer tests.
 */
final class BatchNormReference {
    final double[] mean;
    final double[] variance;
    final double[] meanSquare;
    private final float[] x;
    private final int rows;
    private final int channels;

    /** The batch statistics of {@code x}: mean, biased variance and mean of squares per channel. */
    BatchNormReference(float[] x, int channels) {
        this.x = x;
        this.channels = channels;
        this.rows = x.length / channels;
        mean = new double[channels];
        variance = new double[channels];
        meanSquare = new double[channels];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < channels; c++) {
                mean[c] += x[r * channels + c] / (double) rows;
                meanSquare[c] += (double) x[r * channels + c] * x[r * channels + c] / rows;
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < channels; c++) {
                double d = x[r * channels + c] - mean[c];
                variance[c] += d * d / rows;
            }
        }
    }

    /** {@code gamma * (x - mu) / sqrt(var + eps) + beta} with the given statistics. */
    float[] forward(double[] mu, double[] var, double eps, float[] gamma, float[] beta) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i % channels;
            y[i] = (float) (gamma[c] * (x[i] - mu[c]) / Math.sqrt(var[c] + eps) + beta[c]);
        }
        return y;
    }

    /**
     * Training-mode gradients for output gradient {@code dy}: {@code [dx, dgamma, dbeta]}, from the chain rule
     * through the batch mean and variance written out term by term.
     */
    float[][] backward(float[] dy, double eps, float[] gamma) {
        double[] dGamma = new double[channels];
        double[] dBeta = new double[channels];
        double[] dVar = new double[channels];
        double[] dMean = new double[channels];
        for (int i = 0; i < x.length; i++) {
            int c = i % channels;
            double inv = 1 / Math.sqrt(variance[c] + eps);
            double xhat = (x[i] - mean[c]) * inv;
            dGamma[c] += dy[i] * xhat;
            dBeta[c] += dy[i];
            double dxhat = dy[i] * gamma[c];
            dVar[c] += dxhat * (x[i] - mean[c]) * -0.5 * Math.pow(variance[c] + eps, -1.5);
            dMean[c] += -dxhat * inv;
        }
        float[] dx = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i % channels;
            double inv = 1 / Math.sqrt(variance[c] + eps);
            dx[i] = (float) (dy[i] * gamma[c] * inv + dVar[c] * 2 * (x[i] - mean[c]) / rows + dMean[c] / rows);
        }
        return new float[][] {dx, toFloats(dGamma), toFloats(dBeta)};
    }

    static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
