// Passkeys (WebAuthn) for the relay's account pages. Served as a file so the
// pages keep a strict CSP (no inline script). Without this script, or without
// WebAuthn in the browser, the passkey buttons stay hidden.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var s = "";
    for (var i = 0; i < bytes.length; i++) {
      s += String.fromCharCode(bytes[i]);
    }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromB64url(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      bytes[i] = bin.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Bloom-Csrf": csrf },
      body: JSON.stringify(body || {}),
    }).then(function (r) {
      return r.json().then(function (json) {
        if (!r.ok) {
          throw new Error(json.error || "account.passkey_invalid");
        }
        return json;
      });
    });
  }

  function showError(root) {
    var alert = root.querySelector("#passkey-error");
    if (alert) {
      alert.hidden = false;
    }
  }

  function setUp(root, button, run) {
    root.hidden = false;
    button.addEventListener("click", function () {
      var alert = root.querySelector("#passkey-error");
      if (alert) {
        alert.hidden = true;
      }
      button.disabled = true;
      run(root.getAttribute("data-csrf") || "")
        .then(function (json) {
          window.location.assign(json.redirect || "/home");
        })
        .catch(function () {
          button.disabled = false;
          showError(root);
        });
    });
  }

  var add = document.getElementById("passkey-add");
  var addButton = document.getElementById("passkey-add-button");
  if (add && addButton) {
    setUp(add, addButton, function (csrf) {
      return post("/account/passkeys/options", csrf).then(function (o) {
        var pk = o.publicKey;
        pk.challenge = fromB64url(pk.challenge);
        pk.user.id = fromB64url(pk.user.id);
        pk.excludeCredentials = (pk.excludeCredentials || []).map(function (c) {
          return { type: c.type, id: fromB64url(c.id) };
        });
        return navigator.credentials.create({ publicKey: pk }).then(function (cred) {
          var name = document.getElementById("passkey-name");
          return post("/account/passkeys", csrf, {
            name: name ? name.value : "",
            clientDataJSON: toB64url(cred.response.clientDataJSON),
            attestationObject: toB64url(cred.response.attestationObject),
          });
        });
      });
    });
  }

  var login = document.getElementById("passkey-login");
  var loginButton = document.getElementById("passkey-login-button");
  if (login && loginButton) {
    setUp(login, loginButton, function (csrf) {
      return post("/login/passkey/options", csrf).then(function (o) {
        var pk = o.publicKey;
        pk.challenge = fromB64url(pk.challenge);
        return navigator.credentials.get({ publicKey: pk }).then(function (cred) {
          return post("/login/passkey", csrf, {
            id: toB64url(cred.rawId),
            clientDataJSON: toB64url(cred.response.clientDataJSON),
            authenticatorData: toB64url(cred.response.authenticatorData),
            signature: toB64url(cred.response.signature),
            userHandle: cred.response.userHandle ? toB64url(cred.response.userHandle) : null,
          });
        });
      });
    });
  }
})();
