// Reference side of bench/TokenizerBench: encodes every document of a JSON array with npm
// gpt-3-encoder's Encoder.js, times it, and writes the ids for the parity check.
// Usage: node tokenizer_reference.js <Encoder.js> <docs.json> <ids-out.json>
const fs = require('fs');
const { encode } = require(process.argv[2]);
const docs = JSON.parse(fs.readFileSync(process.argv[3], 'utf-8'));
const start = process.hrtime.bigint();
const ids = docs.map(d => encode(d));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
fs.writeFileSync(process.argv[4], JSON.stringify(ids));
process.stdout.write(JSON.stringify({ seconds }));
