// Konsult's only script: enhancements. Every page works without it.
(function () {
  'use strict';

  // The mailbox badge follows the unread count while the page is open (server-sent events).
  var badge = document.querySelector('.mailbox-link .badge');
  var link = document.querySelector('.mailbox-link');
  if (badge && link && 'EventSource' in window) {
    var source = new EventSource('/mailbox/unread-stream');
    source.addEventListener('unread', function (event) {
      var count = String(Number(event.data) || 0);
      badge.textContent = count;
      badge.setAttribute('data-unread-count', count);
      var label = link.getAttribute('data-label-template');
      if (label) link.setAttribute('aria-label', label.replace('{count}', count));
    });
  }

  // Forms with files show upload progress; the server's answer replaces the page as usual.
  var forms = document.querySelectorAll('form.upload-form');
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener('submit', function (event) {
      var input = form.querySelector('input[type=file]');
      if (!input || !input.files || input.files.length === 0 || !window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      var progress = document.createElement('progress');
      progress.max = 100;
      progress.value = 0;
      progress.className = 'upload-progress';
      progress.setAttribute('aria-labelledby', 'upload-status');
      var status = document.createElement('p');
      status.id = 'upload-status';
      status.setAttribute('role', 'status');
      status.textContent = form.getAttribute('data-uploading') || '';
      form.appendChild(status);
      form.appendChild(progress);
      var button = form.querySelector('button[type=submit]');
      if (button) button.disabled = true;
      var request = new XMLHttpRequest();
      request.open('POST', form.action);
      request.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
      });
      request.addEventListener('load', function () {
        // The request has already followed the redirect and fetched the page (with its one-time
        // confirmation): show that page under its own address rather than load it again.
        if (request.status >= 200 && request.status < 300 && request.responseURL && request.responseURL !== form.action) {
          window.history.pushState(null, '', request.responseURL);
        }
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener('error', function () {
        // Fall back to the plain form post.
        form.submit();
      });
      request.send(new FormData(form));
    });
  });
})();
