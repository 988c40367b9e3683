// "Back to the previous page" on error pages: the browser's own history, where there is one.
// Without script (or history) the link goes to the start page in its href.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("a[data-history-back]").forEach(function (link) {
    if (window.history.length > 1) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        window.history.back();
      });
    }
  });
});
