import { createRuntime, image, loadModelUrl, normalize, outputPngs, segmentImage } from 'unet-ts';

const rt = await createRuntime(); // webgpu where the browser gives an adapter, else webgl2, else cpu
const model = await loadModelUrl('models/isbi2012-small.safetensors');
const bitmap = await createImageBitmap(await (await fetch('cells.png')).blob());
const { width, height } = bitmap;
const ctx = new OffscreenCanvas(width, height).getContext('2d')!;
ctx.drawImage(bitmap, 0, 0);
const rgba = ctx.getImageData(0, 0, width, height).data; // a grey image: R = G = B
const grey = Float32Array.from({ length: width * height }, (_, i) => rgba[4 * i]!);
const seg = await segmentImage(rt, model, normalize('per-image')(image(width, height, 1, grey)), {
  onTile: (p) => console.log(`tile ${p.done} of ${p.total}`),
});
const overlay = outputPngs(image(width, height, 1, grey), seg).files.find((f) => f.name === 'overlay')!;
document.querySelector('img')!.src = URL.createObjectURL(new Blob([overlay.bytes], { type: 'image/png' }));
document.title = `${seg.labels.filter((l) => l === 1).length} foreground pixels on ${rt.backend}`;
