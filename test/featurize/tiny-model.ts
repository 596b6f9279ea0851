import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * Writes a tiny BERT-shaped model that transformers.js loads like all-MiniLM-L6-v2: a WordPiece
 * tokenizer and an ONNX graph Gather(embeddings, input_ids) × attention_mask → last_hidden_state.
 * Each word of the vocabulary gets its own fixed direction, so texts that share words get
 * similar vectors — enough to test loading, pooling, batching and token limits for real.
 */
export function writeTinyModel(root: string, modelId: string, opts: { dim?: number; maxLength?: number } = {}): { dir: string; vocab: string[] } {
  const dim = opts.dim ?? 8;
  const words = ['apple', 'banana', 'cherry', 'dog', 'cat', 'fish', 'river', 'mountain', 'code', 'function', 'search', 'vector', 'the', 'a', 'is', 'and'];
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '.', ',', ...words];
  const dir = join(root, modelId);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: dim }));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]', do_lower_case: true, model_max_length: opts.maxLength ?? 32 }),
  );
  const vocabMap = Object.fromEntries(vocab.map((w, i) => [w, i]));
  writeFileSync(
    join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => ({ id: vocabMap[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
        special_tokens: {
          '[CLS]': { id: '[CLS]', ids: [vocabMap['[CLS]']], tokens: ['[CLS]'] },
          '[SEP]': { id: '[SEP]', ids: [vocabMap['[SEP]']], tokens: ['[SEP]'] },
        },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: vocabMap },
    }),
  );

  // Embedding table: special tokens near zero, each word a distinct direction.
  const table = new Float32Array(vocab.length * dim);
  for (let i = 0; i < vocab.length; i++) {
    for (let d = 0; d < dim; d++) table[i * dim + d] = i < 7 ? 0.01 : Math.sin((i + 1) * (d + 1) * 1.7) + (d === i % dim ? 2 : 0);
  }
  const f32 = onnx.TensorProto.DataType.FLOAT;
  const i64 = onnx.TensorProto.DataType.INT64;
  const shape = (...dims: (string | number)[]) =>
    onnx.TypeProto.create({ tensorType: { elemType: 0, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } });
  const valueInfo = (name: string, elemType: number, ...dims: (string | number)[]) => {
    const t = shape(...dims);
    t.tensorType!.elemType = elemType;
    return onnx.ValueInfoProto.create({ name, type: t });
  };
  const graph = onnx.GraphProto.create({
    name: 'tiny-bert',
    node: [
      onnx.NodeProto.create({ opType: 'Gather', input: ['embeddings', 'input_ids'], output: ['gathered'], attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 })] }),
      onnx.NodeProto.create({ opType: 'Cast', input: ['attention_mask'], output: ['mask_f'], attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: f32 })] }),
      onnx.NodeProto.create({ opType: 'Unsqueeze', input: ['mask_f', 'axes'], output: ['mask_3d'] }),
      onnx.NodeProto.create({ opType: 'Mul', input: ['gathered', 'mask_3d'], output: ['last_hidden_state'] }),
    ],
    initializer: [
      onnx.TensorProto.create({ name: 'embeddings', dataType: f32, dims: [vocab.length, dim], rawData: new Uint8Array(table.buffer) }),
      onnx.TensorProto.create({ name: 'axes', dataType: i64, dims: [1], int64Data: [2] }),
    ],
    input: [valueInfo('input_ids', i64, 'batch', 'sequence'), valueInfo('attention_mask', i64, 'batch', 'sequence')],
    output: [valueInfo('last_hidden_state', f32, 'batch', 'sequence', dim)],
  });
  const model = onnx.ModelProto.create({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }], producerName: 'llmops-tests', graph });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), onnx.ModelProto.encode(model).finish());
  return { dir, vocab: words };
}
