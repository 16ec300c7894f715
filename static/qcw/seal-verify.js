/* The QR seal, checked in the browser (inspection/trust/seal.py makes it).

   The seal follows the verify URL's "#" (a fragment never reaches a server):
   "QC1:" + Base45(zlib(COSE_Sign1 of a CWT)), Ed25519. This script decodes
   Base45, inflates (DecompressionStream "deflate"), reads the CBOR it emits
   (a decoder for that subset, below), checks the signature with WebCrypto's
   Ed25519 against the published keys embedded in the page (so a page loaded
   once works offline) and the key's dates and revocation, then asks the
   server (the certificate's JSON) and says which it saw:
   "signature valid; server confirms: valid" / "… server unreachable" /
   "not genuine". The standalone verifier (manage.py seal_verifier_export)
   runs the same code on pasted text and never asks a server.

   The root element [data-seal-verifier] names: data-keys (id of a JSON
   script holding the JWKS), data-messages (id of a JSON script holding
   {language: {code: text}}), data-json-url (the server's JSON; none in the
   standalone file) and data-input (id of a textarea to read instead of the
   URL's fragment). It gets data-state: checking, valid-confirmed,
   valid-unreachable, valid-revoked, valid-offline, not-genuine, unsupported. */
(function () {
  "use strict";

  var PREFIX = "QC1:";
  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  var CLAIM_IAT = 6;
  var CLAIM_CERTIFICATE = -65537;
  var FIELDS = {
    1: "number", 2: "item", 3: "category", 4: "material",
    5: "weight_mg", 6: "verdict", 7: "warehouse", 8: "issued_on"
  };

  function fail(what) { throw new Error(what); }

  // --- Base45 (RFC 9285) -------------------------------------------------------
  function b45decode(text) {
    var out = [];
    for (var i = 0; i < text.length; i += 3) {
      var chunk = text.slice(i, i + 3), n = 0, factor = 1;
      for (var j = 0; j < chunk.length; j++) {
        var value = B45.indexOf(chunk[j]);
        if (value < 0) fail("base45");
        n += value * factor;
        factor *= 45;
      }
      if (chunk.length === 3) {
        if (n > 0xffff) fail("base45");
        out.push(n >> 8, n & 0xff);
      } else if (chunk.length === 2) {
        if (n > 0xff) fail("base45");
        out.push(n);
      } else {
        fail("base45");
      }
    }
    return new Uint8Array(out);
  }

  // --- zlib ----------------------------------------------------------------------
  function inflate(bytes) {
    if (bytes[0] !== 0x78) return Promise.resolve(bytes); // not compressed
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buffer) {
      return new Uint8Array(buffer);
    });
  }

  // --- CBOR (RFC 8949): the definite-length subset the seal uses ------------------
  function cborDecode(bytes) {
    var pos = 0;
    function take(n) {
      if (pos + n > bytes.length) fail("cbor");
      var part = bytes.subarray(pos, pos + n);
      pos += n;
      return part;
    }
    function argument(info) {
      if (info < 24) return info;
      var size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
      if (!size) fail("cbor");
      var raw = take(size), value = 0;
      for (var k = 0; k < size; k++) value = value * 256 + raw[k];
      return value;
    }
    function item() {
      var head = take(1)[0], major = head >> 5, info = head & 31, n, i;
      switch (major) {
        case 0: return argument(info);
        case 1: return -1 - argument(info);
        case 2: return take(argument(info)).slice();
        case 3: return new TextDecoder("utf-8", { fatal: true }).decode(take(argument(info)));
        case 4:
          n = argument(info);
          var list = [];
          for (i = 0; i < n; i++) list.push(item());
          return list;
        case 5:
          n = argument(info);
          var map = new Map();
          for (i = 0; i < n; i++) { var key = item(); map.set(key, item()); }
          return map;
        case 6: return { tag: argument(info), value: item() };
        case 7:
          if (info === 20) return false;
          if (info === 21) return true;
          if (info === 22) return null;
          return fail("cbor");
      }
      return fail("cbor");
    }
    var value = item();
    if (pos !== bytes.length) fail("cbor");
    return value;
  }

  function cborHead(major, n) {
    if (n < 24) return [(major << 5) | n];
    if (n < 0x100) return [(major << 5) | 24, n];
    if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  }

  // What COSE_Sign1 signs (RFC 9052 §4.4): ["Signature1", protected, h'', payload].
  function sigStructure(protectedBytes, payload) {
    var context = new TextEncoder().encode("Signature1");
    var parts = [[0x84], cborHead(3, context.length), context,
      cborHead(2, protectedBytes.length), protectedBytes, [0x40],
      cborHead(2, payload.length), payload];
    var size = parts.reduce(function (sum, part) { return sum + part.length; }, 0);
    var out = new Uint8Array(size), at = 0;
    parts.forEach(function (part) { out.set(part, at); at += part.length; });
    return out;
  }

  function b64url(text) {
    var plain = text.replace(/-/g, "+").replace(/_/g, "/");
    while (plain.length % 4) plain += "=";
    var raw = atob(plain), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // --- reading and checking a seal ---------------------------------------------------
  function sealText(text) {
    text = (text || "").trim();
    if (text.indexOf("#") >= 0 && text.toUpperCase().indexOf(PREFIX) !== 0) {
      text = text.slice(text.indexOf("#") + 1);
      try {
        text = decodeURIComponent(text);
      } catch (e) { // a raw "%" a browser left alone: only spaces were encoded
        text = text.replace(/%20/g, " ");
      }
    }
    return text;
  }

  function read(text) {
    if (text.toUpperCase().indexOf(PREFIX) !== 0) return Promise.reject(new Error("prefix"));
    var packed;
    try { packed = b45decode(text.slice(PREFIX.length)); } catch (e) { return Promise.reject(e); }
    return inflate(packed).then(function (raw) {
      var sign1 = cborDecode(raw);
      if (sign1 && sign1.tag !== undefined) {
        if (sign1.tag !== 18) fail("tag");
        sign1 = sign1.value;
      }
      if (!Array.isArray(sign1) || sign1.length !== 4) fail("cose");
      var protectedBytes = sign1[0], payload = sign1[2], signature = sign1[3];
      [protectedBytes, payload, signature].forEach(function (part) {
        if (!(part instanceof Uint8Array)) fail("cose");
      });
      var header = protectedBytes.length ? cborDecode(protectedBytes) : new Map();
      if (!(header instanceof Map)) fail("cose");
      return { protectedBytes: protectedBytes, header: header, payload: payload, signature: signature };
    });
  }

  function claimsOf(payload) {
    try {
      var cwt = cborDecode(payload);
      var essentials = cwt.get(CLAIM_CERTIFICATE), claims = {};
      if (!(essentials instanceof Map)) return { claims: null, iat: null };
      essentials.forEach(function (value, key) { if (FIELDS[key]) claims[FIELDS[key]] = value; });
      var iat = cwt.get(CLAIM_IAT);
      return { claims: claims, iat: typeof iat === "number" ? iat : null };
    } catch (e) {
      return { claims: null, iat: null };
    }
  }

  function verifyOne(text, jwks) {
    return read(text).then(function (seal) {
      var kidBytes = seal.header.get(4);
      var kid = kidBytes instanceof Uint8Array ? new TextDecoder().decode(kidBytes) : String(kidBytes || "");
      var found = claimsOf(seal.payload);
      var result = { genuine: false, reason: "", kid: kid, claims: found.claims, iat: found.iat };
      if (seal.header.get(1) !== -8) { result.reason = "algorithm"; return result; }
      var jwk = (jwks.keys || []).filter(function (k) { return k.kid === kid; })[0];
      if (!jwk) { result.reason = "unknown_key"; return result; }
      if (!window.crypto || !crypto.subtle) { result.reason = "unsupported"; return result; }
      return crypto.subtle.importKey("raw", b64url(jwk.x), { name: "Ed25519" }, false, ["verify"])
        .then(function (key) {
          return crypto.subtle.verify({ name: "Ed25519" }, key, seal.signature,
            sigStructure(seal.protectedBytes, seal.payload));
        }, function () { return null; })
        .then(function (valid) {
          if (valid === null) { result.reason = "unsupported"; return result; }
          if (!valid) { result.reason = "signature"; return result; }
          if (result.iat === null || !result.claims) { result.reason = "format"; return result; }
          if (jwk.revoked_from != null && result.iat >= jwk.revoked_from) {
            result.reason = "key_revoked";
          } else if (result.iat < jwk.nbf || (jwk.exp != null && result.iat >= jwk.exp)) {
            result.reason = "key_not_valid";
          } else {
            result.genuine = true;
          }
          return result;
        });
    }, function () {
      return { genuine: false, reason: "format", kid: "", claims: null, iat: null };
    });
  }

  // A seal copied out of a URL with its percent-encoding kept is tried decoded too.
  function verifySeal(text, jwks) {
    return verifyOne(text, jwks).then(function (first) {
      if (first.genuine || text.indexOf("%") < 0 || text.indexOf(" ") >= 0) return first;
      var decoded;
      try { decoded = decodeURIComponent(text); } catch (e) { return first; }
      return verifyOne(decoded, jwks).then(function (second) {
        return second.genuine || first.reason === "format" ? second : first;
      });
    });
  }

  // --- the page ---------------------------------------------------------------------
  function json(id) {
    var node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function messagesFor(all) {
    var wanted = [document.documentElement.lang, (navigator.language || "").toLowerCase()];
    for (var i = 0; i < wanted.length; i++) {
      var lang = wanted[i] || "";
      if (all[lang]) return all[lang];
      if (lang.indexOf("zh") === 0 && all["zh-hans"]) return all["zh-hans"];
    }
    return all.en || all[Object.keys(all)[0]] || {};
  }

  function facts(claims, words) {
    var rows = [];
    if (!claims) return rows;
    var date = String(claims.issued_on || "");
    if (/^\d{8}$/.test(date)) date = date.slice(0, 4) + "-" + date.slice(4, 6) + "-" + date.slice(6);
    var weight = typeof claims.weight_mg === "number" ? (claims.weight_mg / 1000).toFixed(3) + " g" : null;
    [["number", claims.number], ["item", claims.item], ["category", claims.category],
      ["material", claims.material], ["weight", weight], ["verdict", claims.verdict],
      ["warehouse", claims.warehouse], ["issued", date]].forEach(function (row) {
      if (row[1] !== undefined && row[1] !== null && row[1] !== "") rows.push([words["fact_" + row[0]] || row[0], String(row[1])]);
    });
    return rows;
  }

  function show(root, words, state, result) {
    root.hidden = false;
    root.dataset.state = state;
    var status = root.querySelector("[data-seal-status]");
    var reason = root.querySelector("[data-seal-reason]");
    var list = root.querySelector("[data-seal-facts]");
    status.textContent = words[state] || state;
    status.className = "seal-status " + (state.indexOf("valid") === 0 ? "ok" : state === "checking" ? "" : "bad");
    reason.textContent = result && result.reason ? (words["reason_" + result.reason] || result.reason) : "";
    list.textContent = "";
    facts(result && result.claims, words).forEach(function (row) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = row[0];
      dd.textContent = row[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
  }

  function askServer(url, claims) {
    return fetch(url, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) fail("status " + response.status);
        return response.json();
      })
      .then(function (certificate) {
        if (!claims || certificate.number !== claims.number) return "mismatch";
        return certificate.valid ? "valid" : "revoked";
      }, function () { return "unreachable"; });
  }

  function check(root, jwks, words, text) {
    show(root, words, "checking", null);
    return verifySeal(text, jwks).then(function (result) {
      if (result.reason === "unsupported") return show(root, words, "unsupported", result);
      if (!result.genuine) return show(root, words, "not-genuine", result);
      var url = root.dataset.jsonUrl;
      if (!url) return show(root, words, "valid-offline", result);
      return askServer(url, result.claims).then(function (server) {
        if (server === "mismatch") {
          result.reason = "mismatch";
          return show(root, words, "not-genuine", result);
        }
        show(root, words, server === "valid" ? "valid-confirmed"
          : server === "revoked" ? "valid-revoked" : "valid-unreachable", result);
      });
    });
  }

  // The seal after "#", or "" when the fragment is something else (an anchor).
  function sealFromHash() {
    var text = sealText(location.hash || "");
    return text.toUpperCase().indexOf("QC") === 0 ? text : "";
  }

  function start(root) {
    var jwks = json(root.dataset.keys) || { keys: [] };
    var words = messagesFor(json(root.dataset.messages) || {});
    var input = root.dataset.input && document.getElementById(root.dataset.input);
    var fromHash = sealFromHash();
    if (input) {
      var form = input.form;
      if (fromHash) input.value = fromHash;
      if (form) {
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          check(root, jwks, words, sealText(input.value));
        });
      }
      if (input.value.trim()) check(root, jwks, words, sealText(input.value));
      return;
    }
    function fromPage() {
      var text = sealFromHash();
      if (!text) return;
      // Switching the language keeps the seal (the server never sees it).
      document.querySelectorAll("input[name=next]").forEach(function (next) {
        next.value = next.value.split("#")[0] + location.hash;
      });
      check(root, jwks, words, text);
    }
    fromPage();
    // Another seal opened in the same tab (the page stays; no request).
    window.addEventListener("hashchange", fromPage);
  }

  function startAll() {
    document.querySelectorAll("[data-seal-verifier]").forEach(start);
  }

  window.qcwSeal = { verify: verifySeal, sealText: sealText, b45decode: b45decode };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();
