// class-transformer ships the typings of its metadata storage apart from the CommonJS module.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
