// Passkeys on Latchkey's hosted pages. Served as a file from Latchkey's origin (the page's CSP allows
// `script-src 'self'` and nothing inline). Every form marked `data-passkey` is hidden in the markup and shown
// only here, once WebAuthn is known to be available: without script the page works as before, minus the
// passkey buttons. On submit the form asks its `data-options` URL for the ceremony's options (a POST with the
// form's CSRF token), lets the browser create or use a passkey, puts the answer as JSON into the form's
// `credential` field and submits the form as a normal navigation, so the server answers with a page.
(function () {
  'use strict';

  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    var binary = atob(base64 + '==='.slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = '';
    for (var i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || []).map(function (item) { return Object.assign({}, item, { id: toBytes(item.id) }); });
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    var options = Object.assign({}, json, { challenge: toBytes(json.challenge) });
    if (json.allowCredentials) options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function common(credential) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  function registrationJSON(credential) {
    var response = credential.response;
    return Object.assign(common(credential), {
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        attestationObject: toBase64url(response.attestationObject),
        transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
      },
    });
  }

  function assertionJSON(credential) {
    var response = credential.response;
    return Object.assign(common(credential), {
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        authenticatorData: toBase64url(response.authenticatorData),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle && response.userHandle.byteLength ? toBase64url(response.userHandle) : undefined,
      },
    });
  }

  function say(form, text) {
    var status = form.querySelector('[data-passkey-status]');
    if (status) status.textContent = text;
  }

  async function run(form) {
    var register = form.getAttribute('data-passkey') === 'register';
    var answer = await fetch(form.getAttribute('data-options'), {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ csrf: form.elements.csrf.value }),
    });
    // Anything but options (a sign-in that must be repeated, an expired page): the plain form submission
    // lets the server answer with the page that explains it.
    if (!answer.ok || (answer.headers.get('content-type') || '').indexOf('application/json') !== 0) {
      form.submit();
      return;
    }
    var options = await answer.json();
    var credential;
    try {
      credential = register
        ? await navigator.credentials.create({ publicKey: creationOptions(options) })
        : await navigator.credentials.get({ publicKey: requestOptions(options) });
    } catch (error) {
      say(form, error && error.name === 'InvalidStateError'
        ? 'This passkey is already registered.'
        : 'No passkey was used: the request was cancelled, timed out or is not possible on this device.');
      return;
    }
    if (!credential) return;
    form.elements.credential.value = JSON.stringify(register ? registrationJSON(credential) : assertionJSON(credential));
    form.submit();
  }

  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    form.hidden = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = form.querySelector('button[type=submit]');
      if (button) button.disabled = true;
      say(form, '');
      run(form).catch(function () {
        say(form, 'Passkeys are not available right now. Try again.');
      }).finally(function () {
        if (button) button.disabled = false;
      });
    });
  });
})();
