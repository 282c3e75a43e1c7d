// Node 20 lacks ArrayBuffer.prototype.transfer (Node 22 has it), which Fedify's base64
// decoding calls. This is the standard behaviour: a copy of the bytes, resized.
if (typeof ArrayBuffer.prototype.transfer !== "function") {
  ArrayBuffer.prototype.transfer = function transfer(length = this.byteLength) {
    const copy = new ArrayBuffer(length);
    new Uint8Array(copy).set(new Uint8Array(this, 0, Math.min(length, this.byteLength)));
    return copy;
  };
}
