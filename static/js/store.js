/* A store kept on the phone (IndexedDB), read and written through promises: the outbox's
   (outbox.js, in the pages and the service worker) and the drafts' (drafts.js). Each database
   holds one store of records found by `key`. A connection is opened once and given up when
   the browser closes it or another version of the database is asked for, so the next use
   opens it anew. */
self.PatrolStore = (() => {
  "use strict";
  const connections = new Map();

  function connect(name, store, key) {
    if (!connections.has(name)) {
      connections.set(name, new Promise((resolve, reject) => {
        const opening = indexedDB.open(name, 1);
        opening.onupgradeneeded = () => opening.result.createObjectStore(store, { keyPath: key });
        opening.onsuccess = () => {
          const db = opening.result;
          db.onclose = db.onversionchange = () => {
            db.close();
            connections.delete(name);
          };
          resolve(db);
        };
        opening.onerror = () => {
          connections.delete(name);
          reject(opening.error);
        };
      }));
    }
    return connections.get(name);
  }

  function open(name, store, key) {
    async function inStore(mode, work) {
      const db = await connect(name, store, key);
      return new Promise((resolve, reject) => {
        const transaction = db.transaction(store, mode);
        const request = work(transaction.objectStore(store));
        transaction.oncomplete = () => resolve(request.result);
        transaction.onerror = transaction.onabort = () => reject(transaction.error);
      });
    }
    return {
      get: (id) => inStore("readonly", (records) => records.get(id)),
      all: () => inStore("readonly", (records) => records.getAll()),
      put: (record) => inStore("readwrite", (records) => records.put(record)),
      delete: (id) => inStore("readwrite", (records) => records.delete(id)),
    };
  }

  return { open };
})();
