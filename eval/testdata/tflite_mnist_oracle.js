// TFLite's accuracy on the MNIST test set, for eval's tests (see
// tflite_mnist.json). A fresh interpreter per image, so LSTM state starts
// from TFLite's own initial values. Usage, with the tflite-oracle installed:
//   node tflite_mnist_oracle.js MODEL.tflite MNIST_DIR [LIMIT] [PREDICTIONS_OUT]
'use strict';
const fs = require('fs'), path = require('path'), zlib = require('zlib');
const oracleDir = process.env.HOME + '/.cache/liteforge/tflite-oracle';
const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json', { paths: [oracleDir] }));
async function main() {
  const [modelPath, mnistDir, limitArg, outPath] = process.argv.slice(2);
  const imgs = zlib.gunzipSync(fs.readFileSync(path.join(mnistDir, 't10k-images-idx3-ubyte.gz'))).subarray(16);
  const labs = zlib.gunzipSync(fs.readFileSync(path.join(mnistDir, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
  const n = Math.min(parseInt(limitArg || '10000'), labs.length);
  const wasmDir = path.join(pkgDir, 'wasm');
  const M = await require(path.join(wasmDir, 'tflite_web_api_cc.js'))({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'tflite_web_api_cc.wasm')), print: () => {}, printErr: () => {} });
  const model = fs.readFileSync(modelPath);
  const ptr = M._malloc(model.length); M.HEAPU8.set(model, ptr);
  let correct = 0; const preds = [];
  for (let i = 0; i < n; i++) {
    const res = M.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.length, { numThreads: 1, enableProfiling: false, maxProfilingBufferEntries: 16 });
    if (!res.ok()) throw new Error(res.errorMessage());
    const r = res.value();
    const t = r.GetInputs().get(0); const v = t.data();
    const px = imgs.subarray(i * 784, (i + 1) * 784);
    for (let j = 0; j < 784; j++) {
      if (t.dataType === 'float32') v[j] = px[j] / 255;
      else if (t.dataType === 'uint8') v[j] = px[j];      // scale 1/255, zp 0
      else if (t.dataType === 'int8') v[j] = px[j] - 128; // scale 1/255, zp -128
      else throw new Error('dtype ' + t.dataType);
    }
    if (!r.Infer()) throw new Error('infer');
    const o = r.GetOutputs().get(0).data();
    let best = 0; for (let k = 1; k < o.length; k++) if (o[k] > o[best]) best = k;
    preds.push(best); if (best === labs[i]) correct++;
    r.delete && r.delete();
  }
  console.log(JSON.stringify({ model: modelPath, samples: n, correct, accuracy: correct / n }));
  if (outPath) fs.writeFileSync(outPath, Buffer.from(preds));
}
main().catch(e => { console.error(e); process.exit(1); });
