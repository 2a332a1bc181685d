// Unit tests run in jsdom; IndexedDB comes from fake-indexeddb. Tests that need isolation create `new IDBFactory()`.
import 'fake-indexeddb/auto';
