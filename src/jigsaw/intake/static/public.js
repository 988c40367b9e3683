/*
 * Enhancements for the public Report Abuse pages. Everything works without this file;
 * it only makes leaving quicker and typing easier. Loaded from /static (the CSP allows
 * no inline scripts or inline event handlers).
 *
 * - "Exit this page" uses location.replace, so the Back button does not return here,
 *   and pressing Shift three times in a row does the same.
 * - A character count under text boxes with a limit.
 * - Focus moves to the error summary, and its links focus the field they name.
 * - A form cannot be sent twice by a double click.
 * - After Back, a form shows what the server holds, not what the browser remembered.
 */
(function () {
  'use strict';

  var EXIT_PATH = '/report/exit';
  var SHIFT_PRESSES_TO_EXIT = 3;
  var SHIFT_WINDOW_MS = 2000;

  function exitNow(event) {
    if (event) { event.preventDefault(); }
    // Hide the page at once; the server deletes the answers and redirects to a neutral site.
    document.documentElement.className += ' exiting';
    document.title = 'Loading';
    window.location.replace(EXIT_PATH);
  }

  function setUpExitLinks() {
    var links = document.querySelectorAll('[data-exit-page]');
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener('click', exitNow);
    }
  }

  // Count Shift presses only when nothing else was typed in between, so typing capital
  // letters never triggers an exit by accident.
  function setUpShiftExit() {
    var presses = 0;
    var lastPress = 0;
    var otherKeyWhileShift = false;
    document.addEventListener('keydown', function (event) {
      if (event.key !== 'Shift') {
        presses = 0;
        otherKeyWhileShift = true;
        return;
      }
      if (!event.repeat) { otherKeyWhileShift = false; }
    });
    document.addEventListener('keyup', function (event) {
      if (event.key !== 'Shift') { return; }
      if (otherKeyWhileShift) { presses = 0; return; }
      var now = Date.now();
      presses = now - lastPress > SHIFT_WINDOW_MS ? 1 : presses + 1;
      lastPress = now;
      if (presses >= SHIFT_PRESSES_TO_EXIT) {
        presses = 0;
        exitNow();
      }
    });
  }

  function formatNumber(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function countMessage(remaining) {
    if (remaining >= 0) {
      return 'You have ' + formatNumber(remaining) + ' character' + (remaining === 1 ? '' : 's') + ' left';
    }
    var over = -remaining;
    return 'You have ' + formatNumber(over) + ' character' + (over === 1 ? '' : 's') + ' too many';
  }

  function setUpCharacterCounts() {
    var boxes = document.querySelectorAll('textarea[data-max-chars]');
    for (var i = 0; i < boxes.length; i++) {
      (function (box) {
        var limit = parseInt(box.getAttribute('data-max-chars'), 10);
        var visible = document.querySelector('[data-count-for="' + box.id + '"]');
        var announce = document.querySelector('[data-count-announce-for="' + box.id + '"]');
        var timer = null;
        function update() {
          // Count line breaks as one character, as the server does.
          var remaining = limit - box.value.replace(/\r\n/g, '\n').length;
          if (visible) {
            visible.textContent = countMessage(remaining);
            visible.className = 'character-count' + (remaining < 0 ? ' over' : '');
          }
          if (announce) {
            window.clearTimeout(timer);
            timer = window.setTimeout(function () { announce.textContent = countMessage(remaining); }, 1000);
          }
        }
        box.addEventListener('input', update);
        update();
      })(boxes[i]);
    }
  }

  function setUpErrorSummary() {
    var summary = document.querySelector('[data-error-summary]');
    if (!summary) { return; }
    summary.focus();
    var links = summary.querySelectorAll('a[href^="#"]');
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener('click', function (event) {
        var target = document.getElementById(this.getAttribute('href').slice(1));
        if (!target) { return; }
        event.preventDefault();
        target.focus();
        var label = target.closest('fieldset') || target.closest('.field') || target;
        label.scrollIntoView();
      });
    }
  }

  function setUpDoubleSubmitGuard() {
    var forms = document.querySelectorAll('form[data-prevent-double-submit]');
    for (var i = 0; i < forms.length; i++) {
      forms[i].addEventListener('submit', function (event) {
        if (this.getAttribute('data-submitted')) {
          event.preventDefault();
          return;
        }
        this.setAttribute('data-submitted', 'true');
      });
    }
  }

  function showJsOnlyText() {
    var items = document.querySelectorAll('[data-js-only]');
    for (var i = 0; i < items.length; i++) { items[i].hidden = false; }
  }

  // After Back, browsers may put earlier typing back into the form. Show only what the server
  // holds (the draft, or nothing after an exit), and reload a page kept in the back-forward cache.
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) {
      window.location.reload();
      return;
    }
    // Only after Back or Forward: on a fresh page, resetting could wipe what a fast typist
    // (or a slow phone) already put in before this event fired.
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType('navigation') : [];
    if (entries.length && entries[0].type !== 'back_forward') { return; }
    var forms = document.querySelectorAll('form[method="post"]');
    for (var i = 0; i < forms.length; i++) { forms[i].reset(); }
  });

  setUpExitLinks();
  setUpShiftExit();
  setUpCharacterCounts();
  setUpErrorSummary();
  setUpDoubleSubmitGuard();
  showJsOnlyText();
}());
