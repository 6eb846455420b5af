/* Confide widget loader (see README.md): a classic async script that replays the queue
   snippet's calls and, once the page is parsed, imports the widget's modules next to it. */
(function () {
  'use strict';
  var me = document.currentScript;
  var base = me && me.src ? me.src : location.href;
  var prev = window.Confide;
  var queue = (prev && prev.q) || [];
  var loading = null;

  function ready() {
    return new Promise(function (resolve) {
      if (document.readyState !== 'loading') return setTimeout(resolve);
      document.addEventListener('DOMContentLoaded', function () { setTimeout(resolve); }, { once: true });
    });
  }

  function call(name) {
    return function () {
      var args = arguments;
      if (!loading) loading = ready().then(function () { return import(new URL('app.js', base).href); });
      return loading.then(function (app) { return app[name].apply(null, args); });
    };
  }

  var api = { version: 1 };
  ['init', 'refresh', 'open', 'close', 'destroy', 'exit'].forEach(function (name) { api[name] = call(name); });
  window.Confide = api;
  queue.forEach(function (entry) {
    api[entry[0]].apply(null, entry[1] || []);
  });
})();
